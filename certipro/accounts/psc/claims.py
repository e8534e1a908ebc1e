"""From Pro Santé Connect's claims to one of our professionals (directory-and-psc.md §3.3, §3.6).

The national identifier `SubjectNameID` is "8" + RPPS (C1) and is the only key: never `sub` (a
Keycloak artefact, C2), never an e-mail address (C5). Anything else is refused, with a reason
that is logged and shown in plain French.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from certipro.directory.models import Professional

ID_NAT = re.compile(r"8(\d{11})")


class SignInRefused(Exception):
    """A PSC identity we cannot accept; `reason` is a stable code for logs and tests."""

    def __init__(self, reason: str, id_nat: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.id_nat = id_nat


@dataclass(frozen=True)
class PSCIdentity:
    """What we keep of a PSC sign-in: who, at which level, and which professions PSC sees."""

    rpps: str
    id_nat: str
    acr: str
    professions: tuple[str, ...]  # codeProfession of SubjectRefPro.exercices, in PSC's order


def userinfo_of(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """allauth's data: {"userinfo": …, "id_token": …}; PSC's claims are in the userinfo (P11)."""
    userinfo = data.get("userinfo")
    return userinfo if isinstance(userinfo, Mapping) else data


def rpps_from_id_nat(value: object) -> str:
    """The RPPS of an idNat_PS ("8" + 11 digits); EDIT test ids ("ANS…") and the like are refused."""
    match = ID_NAT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise SignInRefused("malformed_identifier", str(value or "")[:40])
    return match.group(1)


def identity_from_claims(data: Mapping[str, Any], *, accepted_acr: Iterable[str]) -> PSCIdentity:
    userinfo = userinfo_of(data)
    id_nat = userinfo.get("SubjectNameID")
    rpps = rpps_from_id_nat(id_nat)
    id_token = data.get("id_token")
    acr = str(id_token.get("acr", "")) if isinstance(id_token, Mapping) else ""
    # P6: at least eidas1. A missing ID token is allauth's business (it refuses); a missing or
    # weaker level is ours.
    if acr.lower() not in {a.lower() for a in accepted_acr}:
        raise SignInRefused("insufficient_acr", str(id_nat))
    exercices = (userinfo.get("SubjectRefPro") or {}).get("exercices") or []
    professions = tuple(str(e.get("codeProfession", "")) for e in exercices if isinstance(e, Mapping))
    return PSCIdentity(rpps=rpps, id_nat=str(id_nat), acr=acr, professions=professions)


def professional_for(identity: PSCIdentity) -> Professional:
    """The directory's professional with this RPPS and at least one exercise; else refused."""
    professional = Professional.objects.filter(rpps=identity.rpps).first()
    if professional is None or not professional.exercises.exists():
        raise SignInRefused("unknown_rpps", identity.id_nat)
    return professional


def trimmed_claims(data: Mapping[str, Any]) -> dict[str, Any]:
    """What we store of the claims: names and profession codes, not PSC's activity addresses (§3.6)."""
    userinfo = userinfo_of(data)
    exercices = (userinfo.get("SubjectRefPro") or {}).get("exercices") or []
    return {
        "SubjectNameID": userinfo.get("SubjectNameID"),
        "given_name": userinfo.get("given_name"),
        "family_name": userinfo.get("family_name"),
        "exercices": [
            {k: e.get(k, "") for k in ("codeProfession", "codeCategorieProfessionnelle", "codeSavoirFaire")}
            for e in exercices
            if isinstance(e, Mapping)
        ],
        "acr": (data.get("id_token") or {}).get("acr", "")
        if isinstance(data.get("id_token"), Mapping)
        else "",
    }
