"""What the platform tells a professional (domain §7), as data: one entry per kind of message.

Texts are rendered when shown, from the notification's `data`, in the reader's language. The
e-mail carries the same title and text but never the title of an action: a message may cross
mail servers we do not control, and an axis-4 title is the professional's alone (D-40). The
details are one click away, behind Pro Santé Connect.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ACCOUNT_OPENED = "account_opened", _("Ouverture du compte")
    ACTION_RECEIVED = "action_received", _("Action déclarée par un organisme ou un employeur")
    AXIS_COMPLETED = "axis_completed", _("Axe complété")
    PERIOD_OPENED = "period_opened", _("Nouvelle période de certification")
    PERIOD_ENDED = "period_ended", _("Fin anticipée d'une période")
    REMINDER = "reminder", _("Rappel avant la fin de la période")
    REFERENTIEL_UPDATED = "referentiel_updated", _("Mise à jour d'un référentiel")
    GRANT_EXPIRING = "grant_expiring", _("Fin prochaine d'un accès de soutien du CNP")


@dataclass(frozen=True)
class Spec:
    title: Promise
    body: Promise
    # Optional kinds may be declined by e-mail (they stay in the account); the others concern
    # the professional's rights (a claim to check, a period that changed) and are always sent.
    optional: bool
    link: str = "space:dashboard"

    def url(self, data: dict[str, Any]) -> str:
        if self.link == "space:action_detail" and "action_id" in data:
            return reverse(self.link, args=[data["action_id"]])
        return reverse(self.link)


SPECS: dict[str, Spec] = {
    Kind.ACCOUNT_OPENED: Spec(
        title=_("Votre compte de certification périodique est ouvert"),
        body=_(
            "Votre compte est ouvert pour votre exercice de {profession}. Votre période de "
            "certification court du {start} au {end}. Les organismes de formation et vos employeurs "
            "y déclareront vos actions ; connectez-vous avec Pro Santé Connect pour suivre votre "
            "progression."
        ),
        optional=False,
    ),
    Kind.ACTION_RECEIVED: Spec(
        title=_("Nouvelle action déclarée par {declarant}"),
        body=_(
            "{declarant} a déclaré une action terminée le {end} sur votre compte. Vérifiez-la : si "
            "elle est inexacte, vous pouvez la contester."
        ),
        optional=False,
        link="space:action_detail",
    ),
    Kind.AXIS_COMPLETED: Spec(
        title=_("Axe {axis} complet"),
        body=_(
            "Vous avez les actions requises de l'axe {axis} ({axis_label}) pour votre période du "
            "{start} au {end}."
        ),
        optional=True,
    ),
    Kind.PERIOD_OPENED: Spec(
        title=_("Une nouvelle période de certification commence"),
        body=_("Votre nouvelle période de certification court du {start} au {end} ({reason})."),
        optional=False,
    ),
    Kind.PERIOD_ENDED: Spec(
        title=_("Votre période de certification a pris fin"),
        body=_("Votre période de certification commencée le {start} a pris fin le {end} ({reason})."),
        optional=False,
    ),
    Kind.REMINDER: Spec(
        title=_("Il reste {months} mois pour compléter votre certification"),
        body=_(
            "Votre période de certification se termine le {end}. Il vous manque encore {missing} "
            "action(s) : {axes}. Votre plan et les actions suggérées sont dans votre espace."
        ),
        optional=True,
    ),
    Kind.REFERENTIEL_UPDATED: Spec(
        title=_("Le référentiel « {title} » est mis à jour"),
        body=_(
            "La version {version} du référentiel « {title} » est publiée. Votre progression a été "
            "recalculée selon les règles en vigueur."
        ),
        optional=True,
    ),
    Kind.GRANT_EXPIRING: Spec(
        title=_("L'accès de soutien du CNP prend fin le {expires}"),
        body=_(
            "L'accès à votre compte que vous avez accordé au {cnp} prend fin le {expires}. Vous "
            "pouvez en accorder un nouveau depuis votre espace si vous avez encore besoin de son aide."
        ),
        optional=True,
        link="space:grants",
    ),
}

OPTIONAL = tuple(k for k, s in SPECS.items() if s.optional)


class _Lenient(dict[str, Any]):
    # A message written by an older version may lack a field a newer text uses: show "…", never fail.
    def __missing__(self, key: str) -> str:
        return "…"


DATES = ("start", "end", "expires")


def render(kind: str, data: dict[str, Any]) -> tuple[str, str]:
    """(title, text) of a message, in the active language."""
    spec = SPECS[kind]
    values = _Lenient(data)
    if isinstance(data.get("missing_axes"), dict):
        values["axes"] = ", ".join(
            str(_("axe {axis} : {count}")).format(axis=axis, count=count)
            for axis, count in sorted(data["missing_axes"].items())
        )
    for name in DATES:
        if isinstance(values.get(name), str):
            with suppress(ValueError):  # not a date: shown as stored
                values[name] = date_format(date.fromisoformat(values[name]), "j F Y")
    return str(spec.title).format_map(values), str(spec.body).format_map(values)
