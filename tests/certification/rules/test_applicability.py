"""Which référentiel applies (contracts/referentiel.md, domain D-14, D-22)."""

from __future__ import annotations

from datetime import date

from certipro.certification.rules import (
    Holding,
    ReferentielMeta,
    Segment,
    assignment_timeline,
    codes_on,
    current_versions,
    matching_codes,
)

MED = "10"
NURSE = "60"


def meta(
    code: str,
    version: str = "1",
    *,
    profession: str = MED,
    specialties: frozenset[str] = frozenset(),
    published_on: date | None = date(2024, 1, 1),
) -> ReferentielMeta:
    return ReferentielMeta(code, version, profession, specialties, published_on)


MG = meta("MED-MG", specialties=frozenset({"SM54"}))
CARDIO = meta("MED-CARDIO", specialties=frozenset({"SM04"}))
MED_ALL = meta("MED-ALL")
NURSE_ALL = meta("IDE", profession=NURSE)
CURRENT = {m.code: m for m in (MG, CARDIO, MED_ALL, NURSE_ALL)}


def test_referentiel_drafts_never_apply() -> None:
    assert current_versions([meta("X", published_on=None)], date(2030, 1, 1)) == {}


def test_referentiel_future_publication_does_not_apply_yet() -> None:
    old = meta("X", "2024-01", published_on=date(2024, 1, 1))
    new = meta("X", "2026-01", published_on=date(2026, 1, 15))
    assert current_versions([old, new], date(2026, 1, 14)) == {"X": old}
    assert current_versions([old, new], date(2026, 1, 15)) == {"X": new}  # published today


def test_referentiel_latest_publication_wins_whatever_the_version_string() -> None:
    late = meta("X", "A", published_on=date(2025, 1, 1))
    early = meta("X", "Z", published_on=date(2024, 1, 1))
    assert current_versions([late, early], date(2025, 6, 1)) == {"X": late}


def test_referentiel_same_day_publications_take_the_greatest_version() -> None:
    a = meta("X", "2025-01", published_on=date(2025, 1, 1))
    b = meta("X", "2025-02", published_on=date(2025, 1, 1))
    assert current_versions([a, b], date(2025, 6, 1)) == {"X": b}
    assert current_versions([b, a], date(2025, 6, 1)) == {"X": b}


def test_referentiel_each_code_has_its_own_version() -> None:
    x, y = meta("X"), meta("Y", published_on=None)
    z = meta("Z", published_on=date(2024, 6, 1))
    assert current_versions([x, y, z], date(2024, 6, 1)) == {"X": x, "Z": z}


def test_referentiel_specialty_match() -> None:
    assert matching_codes(MED, frozenset({"SM54"}), CURRENT) == {"MED-MG"}


def test_referentiel_several_specialties_match_several_codes() -> None:
    assert matching_codes(MED, frozenset({"SM54", "SM04"}), CURRENT) == {"MED-MG", "MED-CARDIO"}


def test_referentiel_no_specialty_match_falls_back_to_the_whole_profession() -> None:
    assert matching_codes(MED, frozenset({"SM99"}), CURRENT) == {"MED-ALL"}
    assert matching_codes(MED, frozenset(), CURRENT) == {"MED-ALL"}


def test_referentiel_other_professions_never_match() -> None:
    assert matching_codes(NURSE, frozenset({"SM54"}), CURRENT) == {"IDE"}
    assert matching_codes("50", frozenset({"SM54"}), CURRENT) == frozenset()


def test_referentiel_no_whole_profession_code_means_nothing_applies() -> None:
    assert matching_codes(MED, frozenset({"SM99"}), {"MED-MG": MG}) == frozenset()


def test_d14_single_holding_is_one_open_segment() -> None:
    timeline = assignment_timeline(MED, [Holding(date(2023, 1, 1), None, frozenset({"SM54"}))], CURRENT)
    assert timeline == (Segment(date(2023, 1, 1), None, frozenset({"MED-MG"})),)


def test_d14_specialty_change_applies_from_the_change_date() -> None:
    holdings = [
        Holding(date(2026, 3, 1), None, frozenset({"SM04"})),
        Holding(date(2023, 1, 1), date(2026, 2, 28), frozenset({"SM54"})),
    ]
    timeline = assignment_timeline(MED, holdings, CURRENT)
    assert timeline == (
        Segment(date(2023, 1, 1), date(2026, 2, 28), frozenset({"MED-MG"})),
        Segment(date(2026, 3, 1), None, frozenset({"MED-CARDIO"})),
    )
    assert codes_on(timeline, date(2026, 2, 28)) == {"MED-MG"}
    assert codes_on(timeline, date(2026, 3, 1)) == {"MED-CARDIO"}


def test_d14_chosen_code_overrides_the_specialty_match() -> None:
    holdings = [
        Holding(date(2023, 1, 1), date(2025, 12, 31), frozenset({"SM54"})),
        Holding(date(2026, 1, 1), None, frozenset({"SM54"}), chosen_code="MED-CARDIO"),
    ]
    timeline = assignment_timeline(MED, holdings, CURRENT)
    assert codes_on(timeline, date(2025, 12, 31)) == {"MED-MG"}
    assert codes_on(timeline, date(2026, 1, 1)) == {"MED-CARDIO"}


def test_d14_invalid_choice_falls_back_to_the_match() -> None:
    for chosen in ("IDE", "NOT-CURRENT"):  # another profession's code; no current version
        holding = Holding(date(2023, 1, 1), None, frozenset({"SM54"}), chosen_code=chosen)
        assert assignment_timeline(MED, [holding], CURRENT) == (
            Segment(date(2023, 1, 1), None, frozenset({"MED-MG"})),
        )


def test_d14_date_before_the_first_holding_uses_the_first_holding() -> None:
    # A first import in 2027 knows no history: its specialties hold since the period start.
    timeline = assignment_timeline(MED, [Holding(date(2027, 5, 1), None, frozenset({"SM54"}))], CURRENT)
    assert codes_on(timeline, date(2023, 1, 1)) == {"MED-MG"}


def test_d14_gap_between_holdings_uses_the_whole_profession() -> None:
    holdings = [
        Holding(date(2023, 1, 1), date(2024, 12, 31), frozenset({"SM54"})),
        Holding(date(2025, 7, 1), None, frozenset({"SM54"})),
    ]
    timeline = assignment_timeline(MED, holdings, CURRENT)
    assert codes_on(timeline, date(2025, 1, 1)) == {"MED-ALL"}
    assert codes_on(timeline, date(2025, 6, 30)) == {"MED-ALL"}
    assert codes_on(timeline, date(2025, 7, 1)) == {"MED-MG"}


def test_d14_after_the_last_holding_ends_the_whole_profession_applies() -> None:
    holdings = [Holding(date(2023, 1, 1), date(2024, 12, 31), frozenset({"SM54"}))]
    timeline = assignment_timeline(MED, holdings, CURRENT)
    assert timeline[-1] == Segment(date(2025, 1, 1), None, frozenset({"MED-ALL"}))


def test_d14_overlapping_holdings_add_up() -> None:
    holdings = [
        Holding(date(2023, 1, 1), None, frozenset({"SM54"})),
        Holding(date(2025, 1, 1), date(2025, 12, 31), frozenset({"SM04"})),
    ]
    timeline = assignment_timeline(MED, holdings, CURRENT)
    assert codes_on(timeline, date(2024, 12, 31)) == {"MED-MG"}
    assert codes_on(timeline, date(2025, 6, 1)) == {"MED-MG", "MED-CARDIO"}
    assert codes_on(timeline, date(2026, 1, 1)) == {"MED-MG"}


def test_d14_adjacent_holdings_with_the_same_codes_merge() -> None:
    holdings = [
        Holding(date(2023, 1, 1), date(2024, 12, 31), frozenset({"SM54"})),
        Holding(date(2025, 1, 1), None, frozenset({"SM54", "SM99"})),
    ]
    assert assignment_timeline(MED, holdings, CURRENT) == (
        Segment(date(2023, 1, 1), None, frozenset({"MED-MG"})),
    )


def test_d14_no_holding_means_no_specialty() -> None:
    timeline = assignment_timeline(MED, [], CURRENT)
    assert codes_on(timeline, date(2023, 1, 1)) == {"MED-ALL"}


def test_d14_codes_on_an_empty_or_gapped_timeline() -> None:
    assert codes_on((), date(2025, 1, 1)) == frozenset()
    gapped = (
        Segment(date(2023, 1, 1), date(2023, 12, 31), frozenset({"A"})),
        Segment(date(2025, 1, 1), None, frozenset({"B"})),
    )
    assert codes_on(gapped, date(2022, 1, 1)) == {"A"}
    assert codes_on(gapped, date(2024, 6, 1)) == frozenset()
    assert codes_on(gapped, date(2030, 1, 1)) == {"B"}
