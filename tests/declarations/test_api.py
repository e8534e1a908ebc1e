"""contracts/declarations.md, case by case."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from certipro.actions.declarants import create_declarant, revoke_token
from certipro.actions.models import Action, ApiToken
from certipro.audit.journal import Actor
from certipro.certification.models import StatusSnapshot
from tests.declarations.conftest import Api, declaration


@pytest.mark.django_db
def test_accepted_declaration_counts_at_once(api: Api) -> None:
    response = api.post({"declarations": [declaration()]})
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1, 0, 0)
    result = body["results"][0]
    assert result["status"] == "accepted"
    action = Action.objects.get(pk=int(result["action_id"]))
    assert (action.state, action.source, action.channel) == ("attested", "organism", "api")
    assert StatusSnapshot.objects.get(period__professional__rpps="10000000017").counted_1 == 1


@pytest.mark.django_db
def test_d32_sending_again_is_a_duplicate_and_a_change_is_an_update(api: Api) -> None:
    api.post({"declarations": [declaration()]})
    again = api.post({"declarations": [declaration()]}).json()
    assert (again["duplicates"], again["results"][0]["status"]) == (1, "duplicate")
    changed = api.post({"declarations": [declaration(action_type="MG-EPP")]}).json()
    assert changed["results"][0]["status"] == "updated"
    assert Action.objects.get().type_code == "MG-EPP"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"rpps": "99999999999"}, "unknown_rpps", None),
        ({"action_type": "XX-NOPE"}, "unknown_action_type", None),
        ({"action_type": "CA-DPC"}, "not_in_referentiel", None),
        ({"action_type": "MG-SANTE"}, "not_declarable", None),
        ({"end_date": "2099-01-01", "start_date": None}, "future_date", None),
        ({"end_date": "2022-06-01", "start_date": None}, "outside_cycle", None),
        ({"external_id": None}, "invalid", "external_id"),
        ({"external_id": "x" * 129}, "invalid", "external_id"),
        ({"rpps": 10000000017}, "invalid", "rpps"),
        ({"end_date": "11/03/2025"}, "invalid", "end_date"),
        ({"end_date": "2025-02-30", "start_date": None}, "invalid", "end_date"),
        ({"start_date": "2025-03-12"}, "invalid", "start_date"),
        ({"hours": 0}, "invalid", "hours"),
        ({"hours": 2000.5}, "invalid", "hours"),
        ({"hours": True}, "invalid", "hours"),
        ({"axis": 3}, "invalid", "axis"),
        ({"axis": 7}, "invalid", "axis"),
        ({"title": '=HYPERLINK("http://x")'}, "invalid", "title"),
        ({"title": "bell\x07"}, "invalid", "title"),
    ],
)
def test_each_error_code_rejects_only_that_declaration(
    api: Api, fields: dict[str, Any], code: str, field: str | None
) -> None:
    body = api.post(
        {"declarations": [declaration(external_id="GOOD-1", action_type="MG-FC"), declaration(**fields)]}
    ).json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    rejected = body["results"][1]
    assert rejected["status"] == "rejected"
    assert code in [e["code"] for e in rejected["errors"]]
    if field is not None:
        assert any(e["message"].startswith(f"{field}:") for e in rejected["errors"])
    assert Action.objects.count() == 1


@pytest.mark.django_db
def test_several_codes_may_apply_at_once(api: Api) -> None:
    body = api.post(
        {
            "declarations": [
                declaration(rpps="99999999999", action_type="XX-NOPE", end_date="2099-01-01", start_date=None)
            ]
        }
    ).json()
    codes = {e["code"] for e in body["results"][0]["errors"]}
    assert codes == {"unknown_rpps", "unknown_action_type", "future_date"}


@pytest.mark.django_db
def test_duplicate_in_request(api: Api) -> None:
    body = api.post({"declarations": [declaration(), declaration()]}).json()
    assert [r["status"] for r in body["results"]] == ["accepted", "rejected"]
    assert body["results"][1]["errors"][0]["code"] == "duplicate_in_request"


@pytest.mark.django_db
def test_results_are_in_request_order(api: Api) -> None:
    ids = [f"ORD-{n}" for n in range(5)]
    items = [declaration(external_id=i, action_type="MG-FC") for i in ids]
    items[2]["rpps"] = "99999999999"
    body = api.post({"declarations": items}).json()
    assert [r["external_id"] for r in body["results"]] == ids
    assert [r["status"] for r in body["results"]] == [
        "accepted",
        "accepted",
        "rejected",
        "accepted",
        "accepted",
    ]


@pytest.mark.django_db
def test_more_than_5000_is_refused_whole_with_413(api: Api) -> None:
    items = [declaration(external_id=f"N-{n}") for n in range(5001)]
    response = api.post({"declarations": items})
    assert response.status_code == 413
    assert "5000" in response.json()["error"]
    assert not Action.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "malformed JSON"),
        (b"[]", '"declarations" list'),
        (b'{"declarations": {}}', '"declarations" list'),
        (b'{"declarations": [1, 2]}', "declarations[0] must be an object"),
        (b"\xff\xfe", "UTF-8"),
        (b"[" * 100000 + b"]" * 100000, "malformed JSON"),
    ],
)
def test_malformed_bodies_get_400_naming_the_problem(api: Api, body: bytes, fragment: str) -> None:
    response = api.post(body, raw=True)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_wrong_content_type_gets_415(api: Api) -> None:
    response = api.post({"declarations": [declaration()]}, content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]


@pytest.mark.django_db
def test_oversized_body_gets_413(api: Api, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = api.post({"declarations": [declaration(title="x" * 300) for _ in range(20)]})
    assert response.status_code == 413
    assert not Action.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer cp_00000000_wrong", "Basic abc"])
def test_missing_or_bad_token_gets_401(client: Client, dr_martin: Any, header: str | None) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(
        "/api/v1/declarations", {"declarations": []}, content_type="application/json", **extra
    )
    assert response.status_code == 401


@pytest.mark.django_db
def test_revoked_token_gets_401(api: Api, organism: tuple[Any, str]) -> None:
    revoke_token(ApiToken.objects.get(declarant=organism[0]), actor=Actor.command("test"))
    assert api.post({"declarations": [declaration()]}).status_code == 401


@pytest.mark.django_db
def test_withdrawal_removes_the_action_from_the_count(api: Api) -> None:
    api.post({"declarations": [declaration()]})
    response = api.delete(quote("SESSION-2025-0042/10000000017", safe=""))
    assert response.status_code == 200
    assert Action.objects.get().state == "withdrawn"
    assert StatusSnapshot.objects.get().counted_1 == 0


@pytest.mark.django_db
def test_withdrawing_an_unknown_or_foreign_declaration_is_404(api: Api, client: Client) -> None:
    api.post({"declarations": [declaration()]})
    _, _, other_token = create_declarant(kind="employer", name="CHU Exemple", actor=Actor.command("test"))
    other = Api(client, other_token)
    assert other.delete(quote("SESSION-2025-0042/10000000017", safe="")).status_code == 404
    assert api.delete("NEVER-SENT").status_code == 404
    assert Action.objects.get().state == "attested"


@pytest.mark.django_db
def test_another_declarant_reusing_an_external_id_never_touches_mine(api: Api, client: Client) -> None:
    api.post({"declarations": [declaration()]})
    _, _, other_token = create_declarant(kind="organism", name="Autre ODPC", actor=Actor.command("test"))
    body = Api(client, other_token).post({"declarations": [declaration(action_type="MG-FC")]}).json()
    assert body["results"][0]["status"] == "accepted"
    assert sorted(Action.objects.values_list("type_code", flat=True)) == ["MG-DPC", "MG-FC"]


@pytest.mark.django_db
def test_csv_upload_gives_the_same_response(api: Api) -> None:
    text = (
        "external_id,rpps,action_type,title,start_date,end_date,hours\n"
        "C-1,10000000017,MG-DPC,Insuffisance cardiaque,2025-03-10,2025-03-11,14\n"
        "C-2,99999999999,MG-DPC,,,2025-03-11,\n"
    )
    body = api.post_csv(text).json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    assert body["results"][1]["errors"][0]["code"] == "unknown_rpps"
    assert Action.objects.get().channel == "file"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            b"id,rpps,action_type,end_date\nX,10000000017,MG-DPC,2025-03-11\n",
            "missing column(s): external_id",
        ),
        (b"external_id,rpps,action_type,end_date,colour\n", "unknown column(s): colour"),
        (
            "external_id,rpps,action_type,end_date,title\nA,10000000017,MG-DPC,2025-03-11,Défi\n".encode(
                "latin-1"
            ),
            "UTF-8",
        ),
        (b"", "empty"),
    ],
)
def test_csv_with_a_wrong_header_or_encoding_is_refused_whole(api: Api, text: bytes, fragment: str) -> None:
    response = api.post_csv(text)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_csv_line_with_a_wrong_field_count_rejects_only_that_line(api: Api) -> None:
    text = "external_id,rpps,action_type,end_date\nA,10000000017,MG-DPC,2025-03-11\nB,10000000017\n"
    body = api.post_csv(text).json()
    assert [r["status"] for r in body["results"]] == ["accepted", "rejected"]
    assert "expected 4 fields, found 2" in body["results"][1]["errors"][0]["message"]


@pytest.mark.django_db
def test_csv_wrong_content_type(api: Api) -> None:
    assert api.post_csv("external_id\n", content_type="application/json").status_code == 415


@pytest.mark.django_db
def test_openapi_and_docs(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/declarations", "/api/v1/declarations.csv", "/api/v1/declarations/{external_id}"):
        assert path in spec["paths"], path
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_d33_declaring_what_the_professional_self_declared_merges_into_it(api: Api, dr_martin: Any) -> None:
    from datetime import date

    from certipro.actions.models import Channel, Source
    from certipro.entrypoints.actions import record_action
    from tests.conftest import TODAY

    own = record_action(
        professional=dr_martin,
        type_code="MG-DPC",
        end_date=date(2025, 3, 11),
        source=Source.PROFESSIONAL,
        channel=Channel.WEB,
        actor=Actor.command("test"),
        today=TODAY,
    ).action
    body = api.post(
        {"declarations": [declaration(), declaration(external_id="OTHER", action_type="MG-FC")]}
    ).json()
    assert [r["status"] for r in body["results"]] == ["accepted", "accepted"]
    assert body["results"][0]["action_id"] == str(own.pk)
    own.refresh_from_db()
    assert (own.state, own.external_id) == ("attested", "SESSION-2025-0042/10000000017")
    assert Action.objects.count() == 2
