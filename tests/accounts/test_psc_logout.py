"""Signing out of Pro Santé Connect too (P12–P14), over real HTTP against the built-in provider.

Without it, PSC's session outlives ours: on a shared workstation the next person clicking "Se
connecter avec Pro Santé Connect" would be signed in as the previous professional. The built-in
provider keeps its own session like PSC's Keycloak, so these tests see that happen, and stop.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client

from certipro.accounts.models import User
from certipro.accounts.psc.config import provider_settings
from certipro.accounts.psc.logout import ID_TOKEN_SESSION_KEY, STATE_COOKIE, STATE_SALT
from certipro.devidp.identities import UNKNOWN_ID_NAT
from tests.accounts.psc_live import (
    CLIENT_ID,
    CLIENT_SECRET,
    psc_live_fixture,  # noqa: F401  (the psc_live fixture)
)

live = pytest.mark.django_db(transaction=True)  # the live server's thread sees the test's data
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
CHOOSER = "Choisissez l'identité de test avec laquelle vous connecter"
CLOSED = "Votre session Pro Santé Connect est fermée, elle aussi."
CLOSE_BROWSER = "Fermez votre navigateur pour la terminer"


def text(response: requests.Response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.text)))


def start(base: str, session: requests.Session) -> requests.Response:
    """The sign-in button: allauth sends the browser to the provider (which may ask nothing)."""
    session.get(f"{base}/mon-espace/connexion/")
    return session.post(
        f"{base}/accounts/oidc/psc/login/",
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "process": "login",
            "next": "/mon-espace/",
        },
    )


def sign_in(base: str, session: requests.Session, id_nat: str = "810000000017") -> requests.Response:
    page = start(base, session)
    assert CHOOSER in html.unescape(page.text), "the provider should ask which identity to use"
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
    return session.post(f"{base}/dev-psc/auth", data=fields | {"identity": id_nat})


def sign_out(base: str, session: requests.Session) -> requests.Response:
    """The header's "Se déconnecter": a POST with the CSRF token, not followed."""
    return session.post(
        f"{base}/accounts/logout/",
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}/mon-espace/"},
        allow_redirects=False,
    )


def our_session(session: requests.Session) -> SessionStore:
    return SessionStore(session.cookies.get("sessionid"))


@live
def test_signing_out_ends_the_psc_session_too(
    psc_live: str, dr_martin: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    browser = requests.Session()
    assert sign_in(psc_live, browser).url == f"{psc_live}/mon-espace/activation/"
    signed_in = our_session(browser)
    id_token = signed_in[ID_TOKEN_SESSION_KEY]
    claims = jwt.decode(id_token, options={"verify_signature": False})
    assert (claims["aud"], claims["preferred_username"]) == (CLIENT_ID, "810000000017")

    # Without signing out of PSC, the provider would sign the next person in without a question.
    response = sign_out(psc_live, browser)
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{psc_live}/dev-psc/protocol/openid-connect/logout"
    )
    query = parse_qs(location.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == [f"{psc_live}/"]
    assert len(query["state"][0]) >= 32
    assert STATE_COOKIE in response.cookies
    # Our session is over before the browser even reaches PSC, and the ID token went with it.
    assert not SessionStore().exists(signed_in.session_key)

    back = browser.get(response.headers["Location"])
    assert back.status_code == 200 and back.url.startswith(f"{psc_live}/?")
    assert "Vous êtes déconnecté" in text(back) and CLOSED in text(back)
    assert STATE_COOKIE not in browser.cookies
    assert ID_TOKEN_SESSION_KEY not in our_session(browser)
    assert browser.get(f"{psc_live}/mon-espace/").url.startswith(f"{psc_live}/mon-espace/connexion/")

    # The next person is asked which identity to use (sign_in checks it) and gets their own session.
    assert sign_in(psc_live, browser).url == f"{psc_live}/mon-espace/activation/"
    assert our_session(browser)[ID_TOKEN_SESSION_KEY] != id_token
    # Never logged (urllib3's lines are this test's own HTTP client following the redirect).
    assert not [r for r in caplog.records if id_token in r.getMessage() and not r.name.startswith("urllib3")]


@live
def test_a_refused_sign_in_keeps_no_id_token(psc_live: str, dr_martin: Any) -> None:
    browser = requests.Session()
    assert sign_in(psc_live, browser, UNKNOWN_ID_NAT).status_code == 403
    assert ID_TOKEN_SESSION_KEY not in our_session(browser)


@live
@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param("http://127.0.0.1:9/dev-psc", id="unreachable"),
        pytest.param(None, id="without-end-session-endpoint"),
    ],
)
def test_without_psc_s_metadata_the_sign_out_is_local_with_a_notice(
    psc_live: str, dr_martin: Any, settings: Any, metadata: str | None
) -> None:
    browser = requests.Session()
    sign_in(psc_live, browser)
    apps = provider_settings(
        metadata=metadata or f"{psc_live}/dev-psc", client_id=CLIENT_ID, secret=CLIENT_SECRET
    )
    if metadata is None:
        apps["openid_connect"]["APPS"][0]["settings"]["openid_configuration_overrides"] = {
            "end_session_endpoint": None
        }
    settings.SOCIALACCOUNT_PROVIDERS = apps

    response = sign_out(psc_live, browser)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert STATE_COOKIE not in response.cookies
    home = browser.get(f"{psc_live}/")
    assert home.status_code == 200 and CLOSE_BROWSER in text(home)
    assert 'class="fr-alert fr-alert--warning' in home.text
    assert browser.get(f"{psc_live}/mon-espace/").url.startswith(f"{psc_live}/mon-espace/connexion/")


# --- Without a PSC sign-in in the session: the plain sign-out ---


def test_staff_and_sessions_without_an_id_token_sign_out_as_before(db: None, dr_martin: Any) -> None:
    staff = User.objects.create_user("agent", password="x" * 20, is_staff=True)
    professional = User.objects.create_user("10000000017", professional=dr_martin)
    for user in (staff, professional):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        assert client.post("/accounts/logout/").status_code == 403  # a form of ours only (CSRF)
        client = Client()
        client.force_login(user)
        response = client.post("/accounts/logout/")
        assert response.status_code == 302 and response["Location"] == "/"
        assert STATE_COOKIE not in response.cookies
        assert "_auth_user_id" not in client.session
    # The staff's and declarants' own sign-out (Django's), untouched.
    client = Client()
    client.force_login(staff)
    response = client.post("/deconnexion/")
    assert response.status_code == 302 and response["Location"] == "/connexion/"


# --- Back from PSC: the state (P14) ---


def pending(client: Client, state: str) -> None:
    response = HttpResponse()
    response.set_signed_cookie(STATE_COOKIE, state, salt=STATE_SALT)
    client.cookies[STATE_COOKIE] = response.cookies[STATE_COOKIE].value


@pytest.mark.parametrize(
    ("query", "confirmed"),
    [("?state=st4te", True), ("", False), ("?state=forged", False)],
    ids=["matching", "missing (tolerated)", "forged"],
)
def test_the_way_back_checks_the_state_and_tolerates_its_absence(
    db: None, settings: Any, query: str, confirmed: bool
) -> None:
    settings.CERTIPRO_PSC_POST_LOGOUT_REDIRECT_URI = "http://testserver/"
    client = Client()
    pending(client, "st4te")
    response = client.get("/" + query)
    assert response.status_code == 200
    assert (CLOSED in response.content.decode()) is confirmed
    assert response.cookies[STATE_COOKIE].value == ""  # the pending sign-out is over
    assert CLOSED not in client.get("/" + query).content.decode()
