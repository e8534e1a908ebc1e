"""The référentiels as the rules engine sees them, read from the database once per use."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

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
