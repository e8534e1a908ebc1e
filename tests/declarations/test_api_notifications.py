"""Domain §7 through the API: a third party's claim is announced to the professional, once."""

from __future__ import annotations

import pytest

from certipro.notifications.kinds import Kind
from certipro.notifications.models import Notification
from tests.declarations.conftest import Api, declaration


@pytest.mark.django_db
def test_each_accepted_declaration_is_announced_once_and_a_replay_is_not(api: Api) -> None:
    body = api.post(
        {"declarations": [declaration(), declaration(external_id="S-2", end_date="2025-03-12")]}
    ).json()
    ids = sorted(int(r["action_id"]) for r in body["results"])
    announced = Notification.objects.filter(kind=Kind.ACTION_RECEIVED).order_by("key")
    assert sorted(n.data["action_id"] for n in announced) == ids
    assert {n.data["declarant"] for n in announced} == {"ODPC Exemple"}
    assert {n.professional.rpps for n in announced} == {"10000000017"}
    api.post({"declarations": [declaration(), declaration(external_id="S-2", end_date="2025-03-12")]})
    assert Notification.objects.filter(kind=Kind.ACTION_RECEIVED).count() == 2


@pytest.mark.django_db
def test_a_rejected_declaration_is_not_announced(api: Api) -> None:
    api.post({"declarations": [declaration(rpps="10000000025")]})  # unknown RPPS
    assert not Notification.objects.filter(kind=Kind.ACTION_RECEIVED).exists()
