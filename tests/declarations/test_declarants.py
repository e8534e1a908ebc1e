"""contracts/declarations.md: `create_declarant`, tokens shown once and stored hashed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from certipro.accounts.models import User
from certipro.declarations.models import ApiToken, Declarant
from certipro.declarations.tokens import verify_token


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
        "/admin/declarations/declarant/",
        {"action": "issue", "_selected_action": [str(declarant.pk)]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    clear = shown[0].rsplit(" ", 1)[-1]
    assert verify_token(clear) is not None
    token = verify_token(clear)
    client.post("/admin/declarations/apitoken/", {"action": "revoke", "_selected_action": [str(token.pk)]})  # type: ignore[union-attr]
    assert verify_token(clear) is None
    assert client.get(f"/admin/declarations/declarant/{declarant.pk}/change/").status_code == 200
