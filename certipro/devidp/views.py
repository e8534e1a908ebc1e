"""The provider's endpoints: discovery (at PSC's path), authorize, token, userinfo, JWKS, logout.

A real authorization-code flow with PKCE (S256 required), client authentication, single-use codes
and RS256 tokens, so that the relying party runs exactly the code it runs against PSC.

Like PSC's Keycloak, the provider keeps its own session in the browser (a signed cookie on
/dev-psc/): once an identity is chosen, the next authorization request signs it in again without
asking, until the relying party sends the browser to the end-session endpoint (P12) with a valid
`id_token_hint` and a registered `post_logout_redirect_uri`.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certipro.accounts.psc.config import DISCOVERY_PATH
from certipro.devidp import keys
from certipro.devidp.identities import EDIT_ID_NAT, UNKNOWN_ID_NAT, identities, is_known, userinfo

CODE_SALT = "certipro.devidp.code"
CODE_SECONDS = 60
ACCESS_SECONDS = 120  # P8: PSC's sandbox gives 60-120 s
ID_TOKEN_SECONDS = 300
AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "state", "nonce", "scope", "code_challenge")
# The provider's own session in the browser (Keycloak's SSO session; its default maximum is 10 h).
SESSION_COOKIE = "certipro_devidp_session"
SESSION_SALT = "certipro.devidp.session"
SESSION_SECONDS = 10 * 3600
REFUSED_ID_NATS = frozenset({UNKNOWN_ID_NAT, EDIT_ID_NAT})

View = Callable[..., HttpResponse]


def enabled(view: View) -> View:
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.CERTIPRO_DEV_PSC:
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def issuer(request: HttpRequest) -> str:
    # Taken from the request so that any loopback address and port (a test's live server) works.
    discovery_url = request.build_absolute_uri(reverse("devidp:discovery"))
    return discovery_url.removesuffix(DISCOVERY_PATH)


@enabled
@require_GET
def discovery(request: HttpRequest) -> JsonResponse:
    base = issuer(request)
    return JsonResponse(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/auth",
            "token_endpoint": f"{base}/protocol/openid-connect/token",
            "userinfo_endpoint": f"{base}/protocol/openid-connect/userinfo",
            "jwks_uri": f"{base}/protocol/openid-connect/certs",
            "end_session_endpoint": f"{base}/protocol/openid-connect/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "scope_all"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": ["eidas1"],
            "claims_supported": ["sub", "SubjectNameID", "preferred_username", "given_name", "family_name"],
        }
    )


@enabled
@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(keys.jwks())


@enabled
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    params = request.GET if request.method == "GET" else request.POST
    if params.get("client_id") != settings.CERTIPRO_PSC_CLIENT_ID:
        return _error_page(request, _("Client inconnu."))
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in settings.CERTIPRO_DEV_PSC_REDIRECT_URIS:
        return _error_page(request, _("Adresse de retour non enregistrée pour ce client."))
    state = params.get("state", "")
    problem = _authorize_problem(params)
    if problem:
        return _redirect(redirect_uri, error="invalid_request", error_description=problem, state=state)
    if request.method == "GET":
        session = _session(request)
        if session is not None and params.get("prompt") != "login":
            # Already signed in at the provider: no question asked, as PSC does.
            return _redirect(redirect_uri, code=_code(params, session), state=state)
        hidden = {k: params.get(k, "") for k in AUTHORIZE_FIELDS}
        return render(request, "devidp/authorize.html", {"identities": identities(), "hidden": hidden})
    id_nat = params.get("identity", "")
    if not is_known(id_nat):
        return _error_page(request, _("Identité de test inconnue."))
    session = {"id_nat": id_nat, "sid": secrets.token_urlsafe(16), "auth_time": int(time.time())}
    response = _redirect(redirect_uri, code=_code(params, session), state=state)
    if id_nat in REFUSED_ID_NATS:
        # The relying party refuses these two, so it never signs them out: a provider session
        # would then sign every later attempt in as them, with no chooser to pick anyone else.
        return response
    response.set_cookie(
        SESSION_COOKIE,
        signing.dumps(session, salt=SESSION_SALT),
        max_age=SESSION_SECONDS,
        path=_session_path(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _code(params: Any, session: dict[str, Any]) -> str:
    return signing.dumps(
        {
            "id_nat": session["id_nat"],
            "sid": session["sid"],
            "client_id": params["client_id"],
            "redirect_uri": params["redirect_uri"],
            "nonce": params.get("nonce", ""),
            "challenge": params["code_challenge"],
            "auth_time": session["auth_time"],
            "jti": secrets.token_urlsafe(12),  # two sign-ins in one second get two codes
        },
        salt=CODE_SALT,
    )


def _session_path() -> str:
    return reverse("devidp:authorize").removesuffix("auth")  # /dev-psc/: the provider's pages only


def _session(request: HttpRequest) -> dict[str, Any] | None:
    """The provider's session in this browser, if any (and its identity is still offered)."""
    try:
        session = signing.loads(
            request.COOKIES.get(SESSION_COOKIE, ""), salt=SESSION_SALT, max_age=SESSION_SECONDS
        )
    except signing.BadSignature:
        return None
    if not isinstance(session, dict) or not is_known(str(session.get("id_nat", ""))):
        return None
    return session


def _authorize_problem(params: Any) -> str:
    if params.get("response_type", "code") != "code":
        return "response_type must be code"
    if "openid" not in params.get("scope", "").split():
        return "scope must include openid"
    if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
        return "PKCE with S256 is required"
    return ""


@csrf_exempt  # a back-channel call authenticated by the client secret, not a browser form
@enabled
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    client_id, secret = _client_credentials(request)
    expected_secret = settings.CERTIPRO_PSC_CLIENT_SECRET
    if client_id != settings.CERTIPRO_PSC_CLIENT_ID or not hmac.compare_digest(secret, expected_secret):
        return _token_error("invalid_client", status=401)
    if request.POST.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type")
    raw = request.POST.get("code", "")
    try:
        code = signing.loads(raw, salt=CODE_SALT, max_age=CODE_SECONDS)
    except signing.BadSignature:
        return _token_error("invalid_grant")
    # A code is good once (RFC 6749 §4.1.2): the first exchange marks it used.
    if not cache.add(f"devidp:code:{keys.s256(raw)}", 1, timeout=CODE_SECONDS * 2):
        return _token_error("invalid_grant")
    if code["client_id"] != client_id or code["redirect_uri"] != request.POST.get("redirect_uri"):
        return _token_error("invalid_grant")
    verifier = request.POST.get("code_verifier", "")
    if not verifier or not hmac.compare_digest(keys.s256(verifier), code["challenge"]):
        return _token_error("invalid_grant")
    now = int(time.time())
    base = issuer(request)
    info = userinfo(code["id_nat"])
    id_token = {
        "iss": base,
        "aud": client_id,
        "azp": client_id,
        "sub": info["sub"],
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
        "auth_time": code["auth_time"],
        "acr": "eidas1",
        "amr": ["dev"],
        "idp": "PSC",
        "preferred_username": code["id_nat"],
        "sid": code["sid"],
        **({"nonce": code["nonce"]} if code["nonce"] else {}),
    }
    access = {
        "iss": base,
        "sub": info["sub"],
        "id_nat": code["id_nat"],
        "iat": now,
        "exp": now + ACCESS_SECONDS,
    }
    response = JsonResponse(
        {
            "access_token": keys.sign(access, typ="at+jwt"),
            "token_type": "Bearer",
            "expires_in": ACCESS_SECONDS,
            "id_token": keys.sign(id_token),
            "scope": "openid scope_all",
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@enabled
@require_http_methods(["GET", "POST"])
def userinfo_view(request: HttpRequest) -> JsonResponse:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise jwt.InvalidTokenError("no bearer token")
        claims = keys.verify(value, issuer=issuer(request), typ="at+jwt")
    except jwt.InvalidTokenError:
        response = JsonResponse({"error": "invalid_token"}, status=401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    return JsonResponse(userinfo(claims["id_nat"]))


@csrf_exempt  # RP-initiated logout 1.0 §2: GET or POST, sent by the relying party's redirect
@enabled
@require_http_methods(["GET", "POST"])
def end_session(request: HttpRequest) -> HttpResponse:
    """Keycloak's end-session endpoint: ends the provider's session of the ID token's user (P12)."""
    params = request.GET if request.method == "GET" else request.POST
    redirect_uri = params.get("post_logout_redirect_uri", "")
    if redirect_uri and redirect_uri not in settings.CERTIPRO_DEV_PSC_POST_LOGOUT_REDIRECT_URIS:
        return _logout_error(
            request, _("Adresse de retour après déconnexion non enregistrée pour ce client.")
        )
    hint = params.get("id_token_hint", "")
    if not hint:
        return _logout_error(request, _("Le jeton d'identité (id_token_hint) est absent."))
    try:
        claims = _verify_id_token_hint(request, hint)
    except jwt.InvalidTokenError as error:
        return _logout_error(request, _id_token_problem(error))
    if params.get("client_id", settings.CERTIPRO_PSC_CLIENT_ID) != settings.CERTIPRO_PSC_CLIENT_ID:
        return _logout_error(request, _("Le client_id ne correspond pas au jeton d'identité."))
    session = _session(request)
    ends = session is not None and session.get("sid") == claims.get("sid")
    if redirect_uri:
        response: HttpResponse = _redirect(redirect_uri, state=params.get("state", ""))
    else:
        response = render(request, "devidp/logged_out.html")
    if ends:
        response.delete_cookie(SESSION_COOKIE, path=_session_path(), samesite="Lax")
    return response


def _verify_id_token_hint(request: HttpRequest, hint: str) -> dict[str, Any]:
    """The claims of an ID token this provider issued to the client; expired ones too, as Keycloak."""
    client_id = settings.CERTIPRO_PSC_CLIENT_ID
    return keys.verify(hint, issuer=issuer(request), typ="JWT", audience=client_id, verify_exp=False)


def _id_token_problem(error: jwt.InvalidTokenError) -> str:
    if isinstance(error, jwt.InvalidSignatureError | jwt.InvalidAlgorithmError):
        return _(
            "Le jeton d'identité (id_token_hint) n'est pas signé par ce fournisseur. Sa clé change "
            "à chaque démarrage du serveur : un jeton reçu avant un redémarrage n'est plus reconnu."
        )
    if isinstance(error, jwt.InvalidIssuerError):
        return _("Le jeton d'identité (id_token_hint) vient d'un autre émetteur.")
    if isinstance(error, jwt.InvalidAudienceError):
        return _("Le jeton d'identité (id_token_hint) a été émis pour un autre client.")
    return _("Le jeton d'identité (id_token_hint) est illisible ou n'est pas un jeton d'identité.")


def _logout_error(request: HttpRequest, message: str) -> HttpResponse:
    context = {
        "message": message,
        "title": _("Requête de déconnexion refusée"),
        # The person may still end the provider's session by hand (after a restart, say).
        "session_open": _session(request) is not None,
    }
    return render(request, "devidp/error.html", context, status=400)


@enabled
@require_POST
def close_session(request: HttpRequest) -> HttpResponse:
    """The button of the refused-logout page: ends the provider's session in this browser (CSRF-checked)."""
    response = render(request, "devidp/logged_out.html")
    response.delete_cookie(SESSION_COOKIE, path=_session_path(), samesite="Lax")
    return response


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return "", ""
        return client_id, secret
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _token_error(error: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error}, status=status)


def _redirect(redirect_uri: str, **params: str) -> HttpResponseRedirect:
    query = urlencode({k: v for k, v in params.items() if v})
    if not query:
        return HttpResponseRedirect(redirect_uri)
    return HttpResponseRedirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}")


def _error_page(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "devidp/error.html", {"message": message}, status=400)
