from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from certipro.notifications.kinds import OPTIONAL, Kind


class PreferencesForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse électronique pour les notifications"),
        help_text=_(
            "Laissez vide pour utiliser l'adresse connue de l'annuaire. Format attendu : nom@domaine.fr"
        ),
        required=False,
        max_length=254,
    )
    by_email = forms.MultipleChoiceField(
        label=_("Recevoir aussi par courriel"),
        help_text=_(
            "Ces messages restent toujours visibles dans votre espace. Les autres (ouverture du compte, "
            "action déclarée par un tiers, changement de période) sont toujours envoyés."
        ),
        choices=[(k, Kind(k).label) for k in OPTIONAL],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["invalid"] = _(
            "Saisissez une adresse électronique valide, par exemple nom@domaine.fr."
        )
