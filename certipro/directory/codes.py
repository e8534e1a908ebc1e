"""What a message says when a file or a row names a code the database does not know (domain D-4).

It names the code (the caller does) and says what was expected, so never "must be one of"
followed by nothing: when the nomenclature is empty it says that it is not loaded, and how to
load it. Pure: no Django, no database; the callers pass the codes they know.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

LOAD_HINT = "run manage.py load_nomenclatures"
LISTED = 8  # codes shown before "…" in a long list (the 101 departments, the 95 SM specialties)


def expected(known: Collection[str], plural: str) -> str:
    """`expected one of 10, 21, …`, or `no professions are loaded (run …)` when `known` is empty."""
    if not known:
        return f"no {plural} are loaded ({LOAD_HINT})"
    return f"expected one of {_listing(known, plural)}"


def expected_specialty(specialties: Mapping[str, str], profession: str | None) -> str:
    """What a specialty code should have been: one of the profession's when `profession` is given
    (a known profession), else one of all; `specialties` maps a specialty code to its profession."""
    if not specialties or profession is None:
        return expected(specialties.keys(), "specialties")
    own = [code for code, owner in specialties.items() if owner == profession]
    if not own:
        return f"profession {profession} has no specialties"
    return f"expected a specialty of profession {profession}: {_listing(own, 'specialties')}"


def _listing(known: Collection[str], plural: str) -> str:
    codes = sorted(known)
    if len(codes) <= LISTED + 2:  # "…" never hides only one or two codes
        return ", ".join(codes)
    return f"{', '.join(codes[:LISTED])}, … ({len(codes)} {plural})"
