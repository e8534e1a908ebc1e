"""Signing in with Pro Santé Connect, over real HTTP: allauth as the relying party, the built-in
provider on the live server (decision 0002). Accounts are keyed on the RPPS, never created for
an identity the directory does not know."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from allauth.socialaccount.models import SocialAccount

from certipro.accounts.models import User
from certipro.audit.models import AuditEntry
from certipro.devidp.identities import EDIT_ID_NAT, UNKNOWN_ID_NAT
from tests.accounts.psc_live import psc_live_fixture  # noqa: F401  (the psc_live fixture)

pytestmark = pytest.mark.django_db(transaction=True)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def start(base: str) -> tuple[requests.Session, requests.Response]:
    """Up to the provider's page: the sign-in button posts to allauth, which redirects to PSC."""
    session = requests.Session()
    session.get(f"{base}/mon-espace/connexion/")
    page = session.post(
        f"{base}/accounts/oidc/psc/login/",
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "process": "login",
            "next": "/mon-espace/",
        },
    )
    return session, page


def sign_in(base: str, id_nat: str) -> requests.Response:
    session, page = start(base)
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
    return session.post(f"{base}/dev-psc/auth", data=fields | {"identity": id_nat})


def test_the_authorization_request_is_psc_s(psc_live: str, dr_martin: Any) -> None:
    _, page = start(psc_live)
    query = parse_qs(urlparse(page.url).query)
    assert page.url.startswith(f"{psc_live}/dev-psc/auth?")
    assert query["acr_values"] == ["eidas1"]
    assert set(query["scope"][0].split()) == {"openid", "scope_all"}
    assert query["code_challenge_method"] == ["S256"]


def test_first_sign_in_creates_the_user_of_the_rpps_and_opens_activation(
    psc_live: str, dr_martin: Any
) -> None:
    response = sign_in(psc_live, "810000000017")
    assert response.status_code == 200 and response.url == f"{psc_live}/mon-espace/activation/"
    assert "Activer mon compte" in response.text
    user = User.objects.get(professional=dr_martin)
    assert user.username == "10000000017" and not user.has_usable_password()
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("psc", "810000000017")
    assert "activities" not in str(account.extra_data)
    assert AuditEntry.objects.filter(verb="account_created", professional_id=dr_martin.pk).count() == 1


def test_signing_in_again_or_with_a_demo_user_never_duplicates_the_account(
    psc_live: str,
    dr_martin: Any,
) -> None:
    demo = User.objects.create_user("10000000017", password="demo-certipro-2026", professional=dr_martin)
    sign_in(psc_live, "810000000017")
    sign_in(psc_live, "810000000017")
    assert list(User.objects.filter(professional=dr_martin)) == [demo]
    assert SocialAccount.objects.filter(user=demo).count() == 1


@pytest.mark.parametrize(
    ("id_nat", "reason", "message"),
    [
        (UNKNOWN_ID_NAT, "unknown_rpps", "votre identifiant n'est pas connu de l'annuaire"),
        (EDIT_ID_NAT, "malformed_identifier", "n'est pas un numéro RPPS"),
    ],
)
def test_an_identity_unknown_to_the_directory_is_refused_without_an_account(
    psc_live: str,
    dr_martin: Any,
    id_nat: str,
    reason: str,
    message: str,
) -> None:
    response = sign_in(psc_live, id_nat)
    assert response.status_code == 403
    assert message in html.unescape(response.text)
    assert not User.objects.exists() and not SocialAccount.objects.exists()
    refusal = AuditEntry.objects.get(verb="sign_in_refused")
    assert (refusal.reason, refusal.data["id_nat"]) == (reason, id_nat)
