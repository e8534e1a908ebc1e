"""Forms of the declarants' portal."""

from __future__ import annotations

from django import forms

from certipro.actions.models import ActionState


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier CSV de déclarations",
        error_messages={"required": "Choisissez un fichier CSV.", "empty": "Le fichier est vide."},
    )

    def clean_file(self) -> object:
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(".csv"):
            raise forms.ValidationError("Le fichier doit être au format CSV (extension .csv).")
        return uploaded


class DeclarationSearchForm(forms.Form):
    external_id = forms.CharField(label="Référence (external_id)", required=False, max_length=128)
    rpps = forms.CharField(label="RPPS", required=False, max_length=11)
    action_type = forms.CharField(label="Type d'action", required=False, max_length=40)
    state = forms.ChoiceField(
        label="État", required=False, choices=[("", "Tous les états"), *ActionState.choices]
    )
