"""The référentiels as the rules engine sees them, read from the database once per use, or once
per process and version of the published référentiels (`kept_catalogue`)."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max

from certipro.certification.rules import ReferentielMeta, ReferentielRules, current_versions
from certipro.referentiels.models import ActionType, Referentiel


@dataclass(frozen=True)
class Catalogue:
    """Every published référentiel version, and the rules of each."""

    metas: tuple[ReferentielMeta, ...]
    rules: dict[tuple[str, str], ReferentielRules]
    # (code, version, action type) -> the kinds of declarant allowed to declare it.
    declarable_by: dict[tuple[str, str, str], tuple[str, ...]]

    def current(self, as_of: date) -> dict[str, ReferentielMeta]:
        return current_versions(self.metas, as_of)

    def rules_by_code(self, as_of: date) -> dict[str, ReferentielRules]:
        """The version of each code in force on `as_of` (contracts/referentiel.md)."""
        return {code: self.rules[(code, meta.version)] for code, meta in self.current(as_of).items()}

    def action_type_codes(self) -> frozenset[str]:
        return frozenset(t for r in self.rules.values() for t in r.action_axes)


def load_catalogue() -> Catalogue:
    refs = list(Referentiel.objects.filter(published_on__isnull=False))
    by_id = {r.pk: r for r in refs}
    axes: dict[int, dict[str, frozenset[int]]] = defaultdict(dict)
    declarable: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for ref_id, code, type_axes, kinds in ActionType.objects.filter(referentiel__in=refs).values_list(
        "referentiel_id", "code", "axes", "declarable_by"
    ):
        axes[ref_id][code] = frozenset(int(a) for a in type_axes)
        declarable[(by_id[ref_id].code, by_id[ref_id].version, code)] = tuple(kinds)
    metas = tuple(
        ReferentielMeta(
            code=r.code,
            version=r.version,
            profession=r.profession_id,
            specialties=frozenset(r.specialties),
            published_on=r.published_on,
        )
        for r in refs
    )
    rules = {
        (r.code, r.version): ReferentielRules(
            code=r.code,
            version=r.version,
            action_axes=axes[r.pk],
            minimums={axis: r.minimum_for(axis) for axis in (1, 2, 3, 4)},
            multi_axis=r.multi_axis,
        )
        for r in refs
    }
    return Catalogue(metas=metas, rules=rules, declarable_by=declarable)


# Built catalogues by version, in this process: a few, so that two versions read around a
# publication do not evict each other in turn.
_KEPT: dict[str, Catalogue] = {}
_KEPT_SIZE = 4
_LOCK = threading.Lock()


def kept_catalogue(version: str) -> Catalogue:
    """The catalogue of `version`, built once per process.

    `version` must change whenever the published référentiels do: the dashboard's page facts read
    their count and latest `loaded_at` (auto_now: every load or replacement saves the row). A
    catalogue built after a newer publication than its version says is only rebuilt once more.
    """
    catalogue = _KEPT.get(version)
    if catalogue is None:
        catalogue = load_catalogue()
        with _LOCK:
            if len(_KEPT) >= _KEPT_SIZE:
                _KEPT.pop(next(iter(_KEPT)))
            _KEPT[version] = catalogue
    return catalogue


def published_version() -> str:
    """The version of the published référentiels (one query): their count and latest `loaded_at`."""
    version = Referentiel.objects.filter(published_on__isnull=False).aggregate(
        n=Count("id"), latest=Max("loaded_at")
    )
    return f"{version['n']}|{version['latest']}"


def current_catalogue() -> Catalogue:
    """The published catalogue through `kept_catalogue`: one query for its version instead of
    `load_catalogue`'s two reads and its build (about 12 ms with the sample référentiels), for
    paths called many times a second (the declaration API's batches, the status API)."""
    return kept_catalogue(published_version())
