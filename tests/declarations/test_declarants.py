"""contracts/declarations.md: `create_declarant`, tokens shown once and stored hashed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client

from certipro.accounts.models import User
from certipro.actions.declarants import DeclarantError, create_declarant, verify_token
from certipro.actions.models import ApiToken, Declarant
from certipro.audit.journal import Actor
from certipro.audit.models import AuditEntry


@pytest.mark.django_db
def test_create_declarant_prints_the_token_alone_on_the_last_line() -> None:
    out = StringIO()
    call_command(
        "create_declarant",
        "--kind",
        "organism",
        "--name",
        "ODPC Exemple",
        "--siret",
        "12345678901234",
        stdout=out,
    )
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("cp_") and " " not in token
    found = verify_token(token)
    assert found is not None and found.declarant.name == "ODPC Exemple"
    stored = ApiToken.objects.get()
    assert token not in (stored.key_hash, stored.prefix)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kind", "organism", "--name", "X", "--siret", "123"), "siret must be 14 digits"),
        (("--kind", "organism", "--name", "   "), "name must be"),
    ],
)
def test_create_declarant_refuses_bad_input(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("create_declarant", *args, stdout=StringIO())
    assert not Declarant.objects.exists()


@pytest.mark.django_db
def test_create_declarant_refuses_a_known_siret() -> None:
    call_command(
        "create_declarant",
        "--kind",
        "employer",
        "--name",
        "CHU",
        "--siret",
        "12345678901234",
        stdout=StringIO(),
    )
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_declarant",
            "--kind",
            "employer",
            "--name",
            "CHU 2",
            "--siret",
            "12345678901234",
            stdout=StringIO(),
        )


@pytest.mark.django_db
def test_admin_issues_and_revokes_tokens(client: Client) -> None:
    call_command("create_declarant", "--kind", "organism", "--name", "ODPC", stdout=StringIO())
    client.force_login(User.objects.create_superuser("root", "r@example.org", "x" * 16))
    declarant = Declarant.objects.get()
    response = client.post(
        "/admin/actions/declarant/",
        {"action": "issue", "_selected_action": [str(declarant.pk)]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    clear = shown[0].rsplit(" ", 1)[-1]
    assert verify_token(clear) is not None
    token = verify_token(clear)
    client.post("/admin/actions/apitoken/", {"action": "revoke", "_selected_action": [str(token.pk)]})  # type: ignore[union-attr]
    assert verify_token(clear) is None
    assert client.get(f"/admin/actions/declarant/{declarant.pk}/change/").status_code == 200


# D-36: a declarant is its kind and its SIRET ----------------------------------------------------

SIRET = "26750045200011"  # one legal entity: a hospital that is also a DPC body


def declarant_command(kind: str, name: str, siret: str = SIRET) -> str:
    out = StringIO()
    call_command("create_declarant", "--kind", kind, "--name", name, "--siret", siret, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


@pytest.mark.django_db
def test_d36_the_same_siret_as_an_organism_and_as_an_employer_gives_two_declarants() -> None:
    as_employer = verify_token(declarant_command("employer", "CHU Exemple"))
    as_organism = verify_token(declarant_command("organism", "CHU Exemple, ODPC"))

    assert as_employer is not None and as_organism is not None
    assert as_employer.declarant != as_organism.declarant
    assert sorted(Declarant.objects.filter(siret=SIRET).values_list("kind", "name")) == [
        ("employer", "CHU Exemple"),
        ("organism", "CHU Exemple, ODPC"),
    ]


@pytest.mark.django_db
def test_d36_the_same_kind_and_siret_twice_is_refused_naming_both_and_nothing_is_written() -> None:
    declarant_command("employer", "CHU Exemple")
    first = Declarant.objects.get()

    with pytest.raises(CommandError) as raised:
        declarant_command("employer", "CHU Exemple (bis)")

    assert str(raised.value) == (
        f"a declarant of kind employer with SIRET {SIRET} already exists: CHU Exemple (declarant {first.pk})"
    )
    assert list(Declarant.objects.all()) == [first]
    assert ApiToken.objects.get().declarant == first
    assert AuditEntry.objects.filter(verb="declarant.created").count() == 1


@pytest.mark.django_db
def test_d36_a_pair_created_meanwhile_meets_the_constraint_and_is_refused_cleanly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_declarant(kind="organism", name="ODPC", siret=SIRET, actor=Actor.command("test"))
    # Another process creates the same pair between the check and the insert: the check sees nothing.
    monkeypatch.setattr(Declarant.objects, "filter", lambda **lookups: Declarant.objects.none())

    with pytest.raises(
        DeclarantError, match=f"a declarant of kind organism with SIRET {SIRET} already exists"
    ):
        create_declarant(kind="organism", name="ODPC (bis)", siret=SIRET, actor=Actor.command("test"))

    assert Declarant.objects.count() == ApiToken.objects.count() == 1


@pytest.mark.django_db
def test_d36_the_database_holds_one_declarant_per_kind_and_siret_and_any_number_without_siret() -> None:
    Declarant.objects.create(kind="employer", name="CHU", siret=SIRET)
    Declarant.objects.create(kind="organism", name="CHU, ODPC", siret=SIRET)
    Declarant.objects.create(kind="organism", name="Sans SIRET 1")
    Declarant.objects.create(kind="organism", name="Sans SIRET 2")

    with pytest.raises(IntegrityError), transaction.atomic():
        Declarant.objects.create(kind="employer", name="CHU (bis)", siret=SIRET)
    assert Declarant.objects.count() == 4


@pytest.mark.django_db
def test_d36_the_admin_refuses_the_same_kind_and_siret_and_accepts_the_other_kind(client: Client) -> None:
    Declarant.objects.create(kind="employer", name="CHU", siret=SIRET)
    client.force_login(User.objects.create_superuser("root", "r@example.org", "x" * 16))
    form = {
        "name": "CHU, ODPC",
        "siret": SIRET,
        "is_active": "on",
        "tokens-TOTAL_FORMS": "0",
        "tokens-INITIAL_FORMS": "0",
        "tokens-MIN_NUM_FORMS": "0",
        "tokens-MAX_NUM_FORMS": "1000",
    }

    refused = client.post("/admin/actions/declarant/add/", form | {"kind": "employer"})
    assert refused.status_code == 200
    assert "Un déclarant de ce type existe déjà avec ce SIRET." in refused.content.decode()
    accepted = client.post("/admin/actions/declarant/add/", form | {"kind": "organism"})
    assert accepted.status_code == 302
    assert sorted(Declarant.objects.values_list("kind", flat=True)) == ["employer", "organism"]
