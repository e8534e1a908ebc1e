"""Which référentiel applies (contracts/referentiel.md, domain D-14, D-22).

Two steps: which *version* of each référentiel code is current on a date (publication), and
which *codes* a professional is assigned on a date (their history of specialties and choices).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class ReferentielMeta:
    """What applicability needs to know about one (code, version) of a référentiel."""

    code: str
    version: str
    profession: str
    specialties: frozenset[str]  # empty = the whole profession
    published_on: date | None  # None = draft


def current_versions(refs: Iterable[ReferentielMeta], as_of: date) -> dict[str, ReferentielMeta]:
    """For each code, the version in force on ``as_of``.

    The latest ``published_on`` that is not in the future wins; drafts never apply. Two versions
    published the same day: the greatest version string wins, so the result never depends on
    the order of ``refs``.
    """
    current: dict[str, ReferentielMeta] = {}
    for ref in refs:
        if ref.published_on is None or ref.published_on > as_of:
            continue
        best = current.get(ref.code)
        if best is None or _newer(ref, best):
            current[ref.code] = ref
    return current


def _newer(a: ReferentielMeta, b: ReferentielMeta) -> bool:
    assert a.published_on is not None and b.published_on is not None
    return (a.published_on, a.version) > (b.published_on, b.version)


def matching_codes(
    profession: str, specialties: frozenset[str], current: Mapping[str, ReferentielMeta]
) -> frozenset[str]:
    """Codes of ``profession`` whose specialties intersect ``specialties``.

    If none does, the profession-wide codes (no specialties) apply instead.
    """
    own = [meta for meta in current.values() if meta.profession == profession]
    specific = frozenset(meta.code for meta in own if meta.specialties & specialties)
    if specific:
        return specific
    return frozenset(meta.code for meta in own if not meta.specialties)


@dataclass(frozen=True)
class Holding:
    """What the professional held from ``start`` to ``end`` inclusive (``end`` None = still).

    ``chosen_code`` records "Changer de référentiel" (D-14): while the holding lasts it replaces
    the specialty match, provided that code is current and belongs to the profession.
    """

    start: date
    end: date | None
    specialties: frozenset[str]
    chosen_code: str | None = None


@dataclass(frozen=True)
class Segment:
    """The référentiel codes assigned from ``start`` to ``end`` inclusive (None = onwards)."""

    start: date
    end: date | None
    codes: frozenset[str]


def _codes_for(
    profession: str, active: Sequence[Holding], current: Mapping[str, ReferentielMeta]
) -> frozenset[str]:
    """Codes assigned while exactly the ``active`` holdings hold.

    Holdings normally follow each other; if several overlap (R18: several specialties) their
    valid choices and the match of their other specialties add up. With no holding at all the
    professional holds no specialty, so the profession-wide codes apply.
    """
    chosen: set[str] = set()
    specialties: set[str] = set()
    unchosen = not active
    for holding in active:
        code = holding.chosen_code
        if code is not None and code in current and current[code].profession == profession:
            chosen.add(code)
        else:
            unchosen = True
            specialties |= holding.specialties
    if unchosen:
        chosen |= matching_codes(profession, frozenset(specialties), current)
    return frozenset(chosen)


def assignment_timeline(
    profession: str, holdings: Iterable[Holding], current: Mapping[str, ReferentielMeta]
) -> tuple[Segment, ...]:
    """The history of assigned codes (D-14), as contiguous segments sorted by date.

    The timeline starts at the first holding and its last segment is open-ended. Holdings whose
    end precedes their start are ignored. Adjacent segments with the same codes are merged.
    """
    valid = [h for h in holdings if h.end is None or h.end >= h.start]
    if not valid:
        return (Segment(date.min, None, _codes_for(profession, (), current)),)
    bounds = {h.start for h in valid}
    # A holding ending on date.max never ends: no boundary after it.
    ends = [h.end for h in valid if h.end is not None and h.end < date.max]
    bounds.update(end + timedelta(days=1) for end in ends)
    points = sorted(bounds)
    segments: list[Segment] = []
    for i, point in enumerate(points):
        active = [h for h in valid if h.start <= point and (h.end is None or h.end >= point)]
        codes = _codes_for(profession, active, current)
        end = points[i + 1] - timedelta(days=1) if i + 1 < len(points) else None
        if segments and segments[-1].codes == codes:
            segments[-1] = Segment(segments[-1].start, end, codes)
        else:
            segments.append(Segment(point, end, codes))
    return tuple(segments)


def codes_on(timeline: Sequence[Segment], d: date) -> frozenset[str]:
    """The codes assigned on ``d``.

    A date before the timeline uses its first segment: a first import knows no history, so the
    specialties it gives are taken to hold since the start of the period (referentiel.md).
    ``timeline`` must be sorted by start, as built by ``assignment_timeline``; a date in a gap
    between segments (only possible in a hand-built timeline) has no codes.
    """
    if not timeline:
        return frozenset()
    index = bisect_right(timeline, d, key=lambda segment: segment.start) - 1
    segment = timeline[max(index, 0)]
    if index >= 0 and segment.end is not None and d > segment.end:
        return frozenset()
    return segment.codes
