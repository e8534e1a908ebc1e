from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from certipro.directory.models import Exercise


class ExerciseReportForm(DsfrBaseForm):  # type: ignore[misc]  # django-dsfr is untyped
    """Tell the order what is wrong with the exercise the directory holds."""

    exercise = forms.ChoiceField(label=_("Exercice concerné"))
    message = forms.CharField(
        label=_("Ce qui est inexact"),
        help_text=_("Par exemple : « Ma spécialité est la cardiologie, pas la médecine générale. »"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, exercises: list[Exercise], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exercises = {str(e.pk): e for e in exercises}
        self.fields["exercise"].choices = [(str(e.pk), e.profession.label) for e in exercises]

    def clean_exercise(self) -> Exercise:
        return self.exercises[self.cleaned_data["exercise"]]
