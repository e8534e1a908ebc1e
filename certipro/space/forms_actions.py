"""Forms of "Mes actions": declare an action, contest a claim, rate and annotate an action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.directory.models import Professional
from certipro.referentiels.models import Referentiel
from certipro.referentiels.specs import AXIS_LABELS
from certipro.space.evidence import CheckedFile, EvidenceRefused, check_file, max_bytes

# Where each refusal of `record_action` is shown (contracts/declarations.md codes), for people.
REFUSAL_FIELDS: dict[str, tuple[str, str | Promise]] = {
    "future_date": ("end_date", _("La date de fin ne peut pas être dans le futur.")),
    "outside_cycle": ("end_date", _("Cette date n'est pas dans une de vos périodes de certification.")),
    "not_in_referentiel": ("type", _("Ce type d'action n'est pas dans votre référentiel à cette date.")),
    "unknown_action_type": ("type", _("Ce type d'action n'existe dans aucun référentiel publié.")),
    "not_declarable": (
        "type",
        _("Votre référentiel ne vous permet pas de déclarer vous-même ce type d'action."),
    ),
    "unknown_rpps": ("type", _("Votre compte n'est pas connu de l'annuaire.")),
}
START_AFTER_END = ("start_date", _("La date de début doit précéder la date de fin."))
EVIDENCE_HELP: dict[str, str | Promise] = {
    "required": _("justificatif obligatoire"),
    "optional": _("justificatif facultatif"),
    "none": "",
}


@dataclass(frozen=True)
class TypeChoice:
    profession: str
    profession_label: str
    code: str
    title: str
    axis: int
    evidence: str  # required | optional | none

    @property
    def value(self) -> str:
        return f"{self.profession}:{self.code}"


def declarable_types(professional: Professional, today: date) -> list[TypeChoice]:
    """The action types of the professional's référentiels in force today that they may declare
    themselves (`declarable_by`), as the dashboard reads them from the engine."""
    exercises = list(
        professional.exercises.filter(is_active=True).select_related("profession").order_by("profession_id")
    )
    statuses = evaluate_exercises(exercises, as_of=today, catalogue=load_catalogue())
    labels = {label for s in statuses for label in s.evaluation.referentiels}
    if not labels:
        return []
    query = Q()
    for label in labels:
        code, _, version = label.partition("@")
        query |= Q(code=code, version=version)
    by_label = {r.label: r for r in Referentiel.objects.filter(query).prefetch_related("action_types")}
    choices: dict[str, TypeChoice] = {}
    for status in statuses:
        exercise = status.exercise
        for label in status.evaluation.referentiels:
            referentiel = by_label.get(label)
            for t in referentiel.action_types.all() if referentiel else ():
                if "professional" not in t.declarable_by:
                    continue
                choice = TypeChoice(
                    exercise.profession_id,
                    exercise.profession.label,
                    t.code,
                    t.title,
                    int(t.axes[0]),
                    t.evidence,
                )
                choices.setdefault(choice.value, choice)
    return sorted(choices.values(), key=lambda c: (c.profession, c.axis, c.title))


def grouped_choices(types: list[TypeChoice]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Options grouped by axis (with the profession's name when there are several)."""
    several = len({t.profession for t in types}) > 1
    groups: dict[str, list[tuple[str, str]]] = {}
    for t in types:
        group = gettext("Axe %(axis)s — %(label)s") % {"axis": t.axis, "label": gettext(AXIS_LABELS[t.axis])}
        if several:
            group = f"{t.profession_label} — {group}"
        hint = EVIDENCE_HELP.get(t.evidence, "")
        groups.setdefault(group, []).append((t.value, f"{t.title} ({hint})" if hint else t.title))
    return list(groups.items())


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class DeclareActionForm(DsfrBaseForm):  # type: ignore[misc]  # django-dsfr is untyped
    type = forms.ChoiceField(
        label=_("Type d'action"),
        help_text=_("Les actions de votre référentiel que vous pouvez déclarer vous-même, par axe."),
    )
    title = forms.CharField(
        label=_("Intitulé"),
        max_length=300,
        help_text=_("Par exemple : « Formation insuffisance cardiaque, CHU de Lille »."),
    )
    start_date = forms.DateField(label=_("Date de début"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_("Date de fin"), widget=DateInput())
    evidence = forms.FileField(label=_("Justificatif"), required=False)

    def __init__(self, *args: Any, types: list[TypeChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.types = {t.value: t for t in types}
        self.fields["type"].choices = [("", gettext("Choisir un type d'action")), *grouped_choices(types)]
        self.fields["evidence"].help_text = gettext(
            "PDF, JPEG ou PNG, %(size)s Mo au plus. "
            "Obligatoire pour les types marqués « justificatif obligatoire »."
        ) % {"size": max_bytes() // (1024 * 1024)}
        self.fields["evidence"].widget.attrs["accept"] = (
            ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
        )
        self.checked: CheckedFile | None = None

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean()
        chosen = self.types.get(data.get("type") or "")
        upload: UploadedFile[bytes] | None = data.get("evidence")
        if chosen is None or "evidence" in self.errors:
            return data
        if upload is None:
            if chosen.evidence == "required":
                self.add_error("evidence", gettext("Ce type d'action demande un justificatif."))
            return data
        if chosen.evidence == "none":
            self.add_error(
                "evidence", gettext("Ce type d'action ne prend pas de justificatif : retirez le fichier.")
            )
            return data
        try:
            self.checked = check_file(upload)
        except EvidenceRefused as refused:
            self.add_error("evidence", refused.message)
        return data

    @property
    def chosen(self) -> TypeChoice:
        return self.types[self.cleaned_data["type"]]

    def add_refusal(self, code: str, message: str) -> None:
        """Shows a refusal of the engine next to the field it is about."""
        if code == "invalid" and message.startswith("start_date"):
            self.add_error(*START_AFTER_END)
            return
        field, text = REFUSAL_FIELDS.get(code, (None, gettext("Cette action ne peut pas être enregistrée.")))
        self.add_error(field, text)


class ContestForm(DsfrBaseForm):  # type: ignore[misc]
    reason = forms.CharField(
        label=_("Motif de la contestation"),
        help_text=_("Par exemple : « Je n'ai jamais suivi cette formation. » Votre ordre pourra le lire."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


RATINGS: list[tuple[str, str | Promise]] = [
    ("", _("Pas de note")),
    *((str(n), format_lazy(_("{n} sur 5"), n=n)) for n in range(1, 6)),
]


class NoteForm(DsfrBaseForm):  # type: ignore[misc]
    quality = forms.TypedChoiceField(
        label=_("Qualité de l'action"),
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("De 1 (mauvaise) à 5 (excellente)."),
    )
    relevance = forms.TypedChoiceField(
        label=_("Utilité pour ma pratique"),
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("De 1 (aucune) à 5 (très utile)."),
    )
    note = forms.CharField(
        label=_("Note personnelle"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Visible de vous seul."),
    )
