"""The test identities: the demo professionals, and two that PSC could send but we must refuse.

Claims are shaped like PSC's userinfo (directory-and-psc.md §3.3), built from our directory copy.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from certipro.directory.models import Professional

# Shapes PSC really sends (C1, P16): an RPPS nobody registered, and an EDIT test identifier.
UNKNOWN_ID_NAT = "899999999999"
EDIT_ID_NAT = "ANS20231122132732"


@dataclass(frozen=True)
class Identity:
    id_nat: str
    label: str
    detail: str


def identities() -> list[Identity]:
    """The first professionals of the directory, as the demo loader gives users to (demo/loader.py)."""
    limit = settings.CERTIPRO_DEV_PSC_IDENTITIES
    people = Professional.objects.prefetch_related("exercises__profession").order_by("pk")[:limit]
    found = [
        Identity(
            id_nat=p.id_nat_ps,
            label=f"{p.first_name} {p.last_name}",
            detail=", ".join(e.profession.label for e in p.exercises.all()) + f" — RPPS {p.rpps}",
        )
        for p in people
    ]
    return [
        *found,
        Identity(UNKNOWN_ID_NAT, "Identité inconnue de l'annuaire", f"idNat_PS {UNKNOWN_ID_NAT}"),
        Identity(EDIT_ID_NAT, "Identité de test EDIT (sans RPPS)", f"idNat_PS {EDIT_ID_NAT}"),
    ]


def is_known(id_nat: str) -> bool:
    return any(i.id_nat == id_nat for i in identities())


def userinfo(id_nat: str) -> dict[str, Any]:
    """PSC's userinfo for `scope_all`: identity, exercices with their activities, other ids."""
    sub = f"f:{uuid.uuid5(uuid.NAMESPACE_URL, 'dev-psc:' + id_nat)}:{id_nat}"
    base: dict[str, Any] = {
        "sub": sub,
        "SubjectNameID": id_nat,
        "preferred_username": id_nat,
        "authMode": "DEV",
        "otherIds": [{"identifiant": id_nat, "origine": "RPPS", "qualite": 1}],
    }
    professional = None
    if id_nat.startswith("8"):
        professional = Professional.objects.filter(rpps=id_nat[1:]).prefetch_related("exercises").first()
    if professional is None:
        return base | {"given_name": "TEST", "family_name": "INCONNU", "SubjectRefPro": {"exercices": []}}
    exercices = [
        {
            "codeProfession": e.profession_id,
            "codeCategorieProfessionnelle": "C",
            "nomDexercice": professional.last_name.upper(),
            "prenomDexercice": professional.first_name,
            # C3: a single savoir-faire per exercice in PSC; the directory may hold several.
            "codeTypeSavoirFaire": "S" if e.specialties else "",
            "codeSavoirFaire": e.specialties[0] if e.specialties else "",
            "activities": [
                {
                    "codeModeExercice": e.practice_mode_id or "",
                    "codeDepartement": e.department_id or "",
                    "raisonSocialeSite": f"CABINET {professional.last_name.upper()}",
                }
            ],
        }
        for e in professional.exercises.all()
        if e.is_active
    ]
    return base | {
        "given_name": professional.first_name,
        "family_name": professional.last_name,
        "SubjectRefPro": {"codeCivilite": "", "exercices": exercices},
        "SubjectRole": [f"{e['codeProfession']}^1.2.250.1.213.1.1.5.5" for e in exercices],
    }
