"""D-34: impossible or massive claims are flagged for review; the claims themselves stay recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from certipro.actions.declarants import create_declarant
from certipro.actions.models import Action, ClaimFlag
from certipro.audit.journal import Actor
from tests.declarations.conftest import Api, declaration


@pytest.mark.django_db
def test_d34_more_than_24_hours_a_day_is_flagged(api: Api) -> None:
    body = api.post(
        {"declarations": [declaration(start_date="2025-03-11", end_date="2025-03-11", hours=25)]}
    ).json()
    assert body["accepted"] == 1
    flag = ClaimFlag.objects.get()
    assert (flag.kind, str(flag.on_date)) == ("impossible_hours", "2025-03-11")
    assert flag.action == Action.objects.get()


@pytest.mark.django_db
def test_d34_hours_add_up_across_actions_of_the_same_day(api: Api) -> None:
    api.post(
        {
            "declarations": [
                declaration(external_id="A", start_date="2025-03-11", end_date="2025-03-11", hours=14)
            ]
        }
    )
    assert not ClaimFlag.objects.exists()
    api.post(
        {
            "declarations": [
                declaration(
                    external_id="B",
                    action_type="MG-FC",
                    start_date="2025-03-11",
                    end_date="2025-03-11",
                    hours=12,
                )
            ]
        }
    )
    assert ClaimFlag.objects.get().kind == "impossible_hours"


@pytest.mark.django_db
def test_d34_hours_spread_over_several_days_are_plausible(api: Api) -> None:
    api.post({"declarations": [declaration(start_date="2025-03-10", end_date="2025-03-11", hours=40)]})
    assert not ClaimFlag.objects.exists()


@pytest.mark.django_db
def test_d34_mass_claim_on_one_date_is_flagged_once(api: Api, settings: Any, import_rows: Any) -> None:
    settings.CERTIPRO_MASS_CLAIM_THRESHOLD = 3
    rows = [f"1000000{n:04d},Nom{n},Prénom,,10,SM54,75,L,2010-06-01" for n in range(10, 14)]
    import_rows(*rows)
    items = [declaration(external_id=f"M-{n}", rpps=f"1000000{n:04d}") for n in range(10, 14)]
    api.post({"declarations": items[:2]})
    assert not ClaimFlag.objects.exists()
    api.post({"declarations": items[2:]})
    flag = ClaimFlag.objects.get()
    assert (flag.kind, str(flag.on_date)) == ("mass_claim", "2025-03-11")
    assert Action.objects.count() == 4
    api.post({"declarations": [declaration(external_id="M-X", rpps="10000000017", action_type="MG-FC")]})
    assert ClaimFlag.objects.count() == 1


@pytest.mark.django_db
def test_d34_a_mass_claim_counts_the_declarants_own_actions_of_that_day(
    api: Api, settings: Any, import_rows: Any, client: Client
) -> None:
    """Another declarant's actions of the same day, and the declarant's of other days, do not
    add up; the flag tells how many the day held when it was raised."""
    settings.CERTIPRO_MASS_CLAIM_THRESHOLD = 3
    import_rows(*[f"1000000{n:04d},Nom{n},Prénom,,10,SM54,75,L,2010-06-01" for n in range(10, 16)])
    _, _, token = create_declarant(kind="organism", name="Autre organisme", actor=Actor.command("test"))
    other = Api(client, token)

    def claim(sender: Api, n: int, end: str) -> None:
        item = declaration(
            external_id=f"M-{n}-{end}", rpps=f"1000000{n:04d}", start_date=end, end_date=end, hours=2
        )
        assert sender.post({"declarations": [item]}).json()["accepted"] == 1

    for n in (10, 11):
        claim(api, n, "2025-03-11")
        claim(other, n, "2025-03-11")
    claim(api, 12, "2025-03-12")
    assert not ClaimFlag.objects.exists()
    response = api.post(
        {
            "declarations": [
                declaration(external_id=f"M-{n}", rpps=f"1000000{n:04d}", start_date="2025-03-11")
                for n in (13, 14)
            ]
        }
    )
    assert response.json()["accepted"] == 2
    flag = ClaimFlag.objects.get()
    assert (flag.kind, flag.declarant.name, str(flag.on_date)) == ("mass_claim", "ODPC Exemple", "2025-03-11")
    assert flag.detail == "4 actions déclarées pour le 11/03/2025"


@pytest.mark.django_db
def test_d34_no_claim_raises_no_flag_and_reads_nothing(django_assert_num_queries: Any) -> None:
    from certipro.actions.anomalies import flag_claims

    with django_assert_num_queries(0):
        assert flag_claims([], before=[], declarant_id=1, actor=Actor.command("test")) == []
