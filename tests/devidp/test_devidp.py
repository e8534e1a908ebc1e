"""The built-in identity provider: a real code flow with PKCE, RS256 tokens, and only in debug."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.test import Client

from certipro.devidp import keys
from certipro.devidp.identities import EDIT_ID_NAT
from certipro.devidp.keys import s256
from certipro.devidp.views import SESSION_COOKIE
from tests.accounts.psc_live import CALLBACK, CLIENT_ID, CLIENT_SECRET, HOME, configure_psc

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://testserver"
VERIFIER = "a-verifier-of-at-least-forty-three-characters-0123456789"


@pytest.fixture
def idp(settings: Any, dr_martin: Any) -> Client:
    configure_psc(settings, BASE)
    return Client()


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": BASE + CALLBACK,
        "response_type": "code",
        "scope": "openid scope_all",
        "state": "st4te",
        "nonce": "n0nce",
        "acr_values": "eidas1",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    return params | overrides


def get_code(client: Client, id_nat: str = "810000000017") -> str:
    response = client.post("/dev-psc/auth", authorize_params(identity=id_nat))
    assert response.status_code == 302
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["state"] == ["st4te"]
    return query["code"][0]


def exchange(client: Client, code: str, verifier: str = VERIFIER) -> Any:
    return client.post(
        "/dev-psc/protocol/openid-connect/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": BASE + CALLBACK,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code_verifier": verifier,
        },
    )


def test_discovery_is_at_psc_wallet_path_only(idp: Client) -> None:
    document = idp.get("/dev-psc/.well-known/wallet-openid-configuration").json()
    assert document["issuer"] == BASE + "/dev-psc"
    assert document["end_session_endpoint"] == BASE + "/dev-psc/protocol/openid-connect/logout"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert idp.get("/dev-psc/.well-known/openid-configuration").status_code == 404


def test_the_login_page_lists_the_demo_professionals_as_test_identities(idp: Client) -> None:
    page = idp.get("/dev-psc/auth", authorize_params()).content.decode()
    assert "Claire Martin" in page and 'value="810000000017"' in page
    assert "Ceci n'est pas Pro Santé Connect" in page


def test_a_code_gives_signed_tokens_and_psc_shaped_userinfo(idp: Client) -> None:
    tokens = exchange(idp, get_code(idp)).json()
    jwks = idp.get("/dev-psc/protocol/openid-connect/certs").json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    id_token = jwt.decode(
        tokens["id_token"], key, algorithms=["RS256"], audience=CLIENT_ID, issuer=BASE + "/dev-psc"
    )
    assert (id_token["acr"], id_token["nonce"], id_token["idp"]) == ("eidas1", "n0nce", "PSC")
    info = idp.get(
        "/dev-psc/protocol/openid-connect/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    ).json()
    assert info["SubjectNameID"] == "810000000017"
    assert info["SubjectRefPro"]["exercices"][0]["codeProfession"] == "10"
    assert info["sub"].startswith("f:")


def test_a_code_is_good_once_and_only_with_its_verifier(idp: Client) -> None:
    code = get_code(idp)
    assert exchange(idp, code, verifier="x" * 50).json() == {"error": "invalid_grant"}
    assert exchange(idp, get_code(idp)).status_code == 200
    reused = get_code(idp)
    assert exchange(idp, reused).status_code == 200
    assert exchange(idp, reused).json() == {"error": "invalid_grant"}


def test_the_client_must_authenticate(idp: Client) -> None:
    response = idp.post(
        "/dev-psc/protocol/openid-connect/token",
        {
            "grant_type": "authorization_code",
            "code": get_code(idp),
            "client_id": CLIENT_ID,
            "client_secret": "no",
        },
    )
    assert response.status_code == 401


def test_userinfo_needs_a_token_it_signed(idp: Client) -> None:
    assert idp.get("/dev-psc/protocol/openid-connect/userinfo").status_code == 401
    forged = jwt.encode({"id_nat": "810000000017"}, "s" * 32, algorithm="HS256")
    response = idp.get("/dev-psc/protocol/openid-connect/userinfo", HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert response.status_code == 401


def test_an_unregistered_redirect_is_never_followed(idp: Client) -> None:
    response = idp.get("/dev-psc/auth", authorize_params(redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400


def test_pkce_is_required(idp: Client) -> None:
    response = idp.get("/dev-psc/auth", authorize_params(code_challenge=""))
    assert response.status_code == 302 and "error=invalid_request" in response["Location"]


def test_the_edit_test_identity_is_offered_so_its_refusal_can_be_seen(idp: Client) -> None:
    info_code = get_code(idp, EDIT_ID_NAT)
    assert exchange(idp, info_code).status_code == 200
    # No provider session for an identity the relying party refuses: the chooser comes back.
    assert SESSION_COOKIE not in idp.cookies


# --- The provider's own session, and RP-initiated logout (P12) ---

LOGOUT = "/dev-psc/protocol/openid-connect/logout"


def id_token_of(client: Client) -> str:
    token: str = exchange(client, get_code(client)).json()["id_token"]
    return token


def test_once_an_identity_is_chosen_the_provider_asks_nothing_until_logout(idp: Client) -> None:
    get_code(idp)
    again = idp.get("/dev-psc/auth", authorize_params())
    assert again.status_code == 302 and "code=" in again["Location"]  # as PSC: no question asked
    assert exchange(idp, parse_qs(urlparse(again["Location"]).query)["code"][0]).status_code == 200
    assert idp.get("/dev-psc/auth", authorize_params(prompt="login")).status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_logout_ends_the_provider_session_and_goes_back_with_the_state(idp: Client, method: str) -> None:
    id_token = id_token_of(idp)
    response = getattr(idp, method)(
        LOGOUT, {"id_token_hint": id_token, "post_logout_redirect_uri": BASE + HOME, "state": "s7ate"}
    )
    assert response.status_code == 302 and response["Location"] == BASE + HOME + "?state=s7ate"
    assert response.cookies[SESSION_COOKIE].value == ""
    page = idp.get("/dev-psc/auth", authorize_params())
    assert page.status_code == 200 and "Choisissez l'identité de test" in page.content.decode()


def test_an_expired_id_token_is_still_a_good_hint_and_the_state_is_optional(idp: Client) -> None:
    claims = jwt.decode(id_token_of(idp), options={"verify_signature": False})
    expired = keys.sign(claims | {"iat": 1_000_000_000, "exp": 1_000_000_300})
    response = idp.get(LOGOUT, {"id_token_hint": expired, "post_logout_redirect_uri": BASE + HOME})
    assert response.status_code == 302 and response["Location"] == BASE + HOME
    assert "vous êtes déconnecté" in idp.get(LOGOUT, {"id_token_hint": expired}).content.decode().lower()


def forged_rsa_token(claims: dict[str, Any]) -> str:
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, other, algorithm="RS256", headers={"kid": keys.kid(), "typ": "JWT"})


@pytest.mark.parametrize(
    ("hint", "redirect", "message"),
    [
        (None, BASE + HOME, "Adresse de retour après déconnexion non enregistrée"),
        ("", BASE + HOME, "jeton d'identité (id_token_hint) est absent"),
        ("forged", BASE + HOME, "n'est pas signé par ce fournisseur"),
        ("hs256", BASE + HOME, "n'est pas signé par ce fournisseur"),
        ("other-client", BASE + HOME, "a été émis pour un autre client"),
        ("other-issuer", BASE + HOME, "vient d'un autre émetteur"),
        ("access-token", BASE + HOME, "n'est pas un jeton d'identité"),
        ("not-a-jwt", BASE + HOME, "illisible"),
    ],
)
def test_a_bad_logout_request_is_refused_in_french_and_ends_nothing(
    idp: Client, hint: str | None, redirect: str, message: str
) -> None:
    id_token = id_token_of(idp)
    claims = jwt.decode(id_token, options={"verify_signature": False})
    hints = {
        None: id_token,
        "": "",
        "forged": forged_rsa_token(claims),
        "hs256": jwt.encode(claims, "s" * 32, algorithm="HS256", headers={"typ": "JWT"}),
        "other-client": keys.sign(claims | {"aud": "someone-else"}),
        "other-issuer": keys.sign(
            claims | {"iss": "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet"}
        ),
        "access-token": keys.sign(claims, typ="at+jwt"),
        "not-a-jwt": "abc.def",
    }
    params = {"id_token_hint": hints[hint], "post_logout_redirect_uri": redirect, "state": "s7ate"}
    if hint is None:
        params["post_logout_redirect_uri"] = "https://evil.example/"
    response = idp.get(LOGOUT, params)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Requête de déconnexion refusée" in page and message in page.replace("&#x27;", "'")
    assert SESSION_COOKIE not in response.cookies
    assert idp.get("/dev-psc/auth", authorize_params()).status_code == 302  # still signed in there


def test_after_a_refused_logout_the_test_session_can_be_closed_by_hand(idp: Client) -> None:
    claims = jwt.decode(id_token_of(idp), options={"verify_signature": False})
    refused = idp.get(
        LOGOUT, {"id_token_hint": forged_rsa_token(claims), "post_logout_redirect_uri": BASE + HOME}
    )
    assert refused.status_code == 400 and "Fermer la session de test" in refused.content.decode()
    closed = idp.post("/dev-psc/session/close")
    assert closed.status_code == 200 and closed.cookies[SESSION_COOKIE].value == ""
    assert idp.get("/dev-psc/auth", authorize_params()).status_code == 200  # the chooser again


def test_everything_is_404_when_switched_off(settings: Any, db: None) -> None:
    settings.CERTIPRO_DEV_PSC = False
    client = Client()
    assert client.get("/dev-psc/.well-known/wallet-openid-configuration").status_code == 404
    assert client.get("/dev-psc/protocol/openid-connect/certs").status_code == 404
    assert client.get("/dev-psc/protocol/openid-connect/logout").status_code == 404


def run_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CERTIPRO_")}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_settings_refuse_the_dev_provider_outside_debug() -> None:
    result = run_settings(CERTIPRO_DEV_PSC="1", CERTIPRO_DEBUG="0", CERTIPRO_SECRET_KEY="k" * 40)
    assert result.returncode != 0
    assert re.search(
        r"ImproperlyConfigured: CERTIPRO_DEV_PSC=1 .* refused unless CERTIPRO_DEBUG=1", result.stderr
    )
    assert run_settings(CERTIPRO_DEV_PSC="1", CERTIPRO_DEBUG="1").returncode == 0


def test_a_real_client_id_requires_its_secret() -> None:
    result = run_settings(CERTIPRO_DEBUG="1", CERTIPRO_PSC_CLIENT_ID="prod-client")
    assert "CERTIPRO_PSC_CLIENT_SECRET is required" in result.stderr


def test_a_real_client_needs_its_post_logout_address_outside_debug() -> None:
    production = {
        "CERTIPRO_SECRET_KEY": "k" * 40,
        "CERTIPRO_ALLOWED_HOSTS": "certipro.example",
        "CERTIPRO_PSC_CLIENT_ID": "prod-client",
        "CERTIPRO_PSC_CLIENT_SECRET": "secret",
    }
    result = run_settings(**production)
    assert "CERTIPRO_PSC_POST_LOGOUT_REDIRECT_URI is required" in result.stderr
    uri = {"CERTIPRO_PSC_POST_LOGOUT_REDIRECT_URI": "https://certipro.example/"}
    assert run_settings(**production, **uri).returncode == 0
