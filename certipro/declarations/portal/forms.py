"""Forms of the declarants' portal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certipro.actions.models import ActionState


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV de déclarations"),
        error_messages={"required": _("Choisissez un fichier CSV."), "empty": _("Le fichier est vide.")},
    )

    def clean_file(self) -> object:
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(".csv"):
            raise forms.ValidationError(gettext("Le fichier doit être au format CSV (extension .csv)."))
        return uploaded


class DeclarationSearchForm(forms.Form):
    external_id = forms.CharField(label=_("Référence (external_id)"), required=False, max_length=128)
    rpps = forms.CharField(label=_("RPPS"), required=False, max_length=11)
    action_type = forms.CharField(label=_("Type d'action"), required=False, max_length=40)
    state = forms.ChoiceField(
        label=_("État"), required=False, choices=[("", _("Tous les états")), *ActionState.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ActionState's labels are French in the model: in the page's language here (web/labels.py).
        self.fields["state"].choices = [  # type: ignore[attr-defined]
            ("", gettext("Tous les états")),
            *((value, gettext(label)) for value, label in ActionState.choices),
        ]
