"""Signing out of Pro Santé Connect too: RP-initiated logout (directory-and-psc.md §3.4, P12–P14).

Ending only our session leaves PSC's open: on a shared workstation the next person to click
"Se connecter avec Pro Santé Connect" would be signed in as the previous professional without
typing anything. So a professional who signed in through PSC is signed out of both:

1. at sign-in, the ID token PSC sent is kept in the session, for this only (`remember_id_token`;
   allauth keeps no token, SOCIALACCOUNT_STORE_TOKENS is off on purpose);
2. "Se déconnecter" (`LogoutView`, allauth's POST view at the same address) ends our session, then
   sends the browser to PSC's `end_session_endpoint` with `id_token_hint`, the registered
   `post_logout_redirect_uri` and a random `state`, kept in a signed cookie for ten minutes;
3. back on that address, `LogoutReturnMiddleware` checks the state: when it matches, the page says
   that the PSC session is closed too. A missing state is tolerated (P14: Keycloak may drop it),
   but then nothing is claimed.

When PSC's metadata cannot be read or has no end-session endpoint, our session ends all the same
and the home page asks the person to close the browser. Staff and declarants, who sign in with a
password, have no ID token in their session: their sign-out is unchanged. The ID token is never
logged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from allauth.account.views import LogoutView as AllauthLogoutView
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from certipro.accounts.psc.config import PROVIDER_ID

logger = logging.getLogger("certipro.psc")

ID_TOKEN_SESSION_KEY = "certipro_psc_id_token"
STATE_COOKIE = "certipro_psc_logout"
STATE_SALT = "certipro.psc.logout-state"
STATE_SECONDS = 600  # a trip to PSC and back; a state older than this is not trusted
_ID_TOKEN_ATTRIBUTE = "_certipro_psc_id_token"


# --- 1. At sign-in: the ID token, kept in the session for the sign-out only ---


def attach_id_token(sociallogin: SocialLogin, id_token: str) -> None:
    """Carries PSC's raw ID token with the sign-in, in memory, until the user is signed in."""
    setattr(sociallogin, _ID_TOKEN_ATTRIBUTE, id_token)


def remember_id_token(request: HttpRequest, sociallogin: SocialLogin | None) -> None:
    """After a successful sign-in: the ID token of a PSC sign-in in the session, else none."""
    id_token = getattr(sociallogin, _ID_TOKEN_ATTRIBUTE, None)
    if sociallogin is not None and sociallogin.account.provider == PROVIDER_ID and isinstance(id_token, str):
        request.session[ID_TOKEN_SESSION_KEY] = id_token
    else:
        request.session.pop(ID_TOKEN_SESSION_KEY, None)


# --- 2. "Se déconnecter": our session, then PSC's ---


def end_session_endpoint(request: HttpRequest) -> str | None:
    """PSC's end-session endpoint, from its metadata (allauth's own fetch and overrides), or None."""
    try:
        metadata = OpenIDConnectOAuth2Adapter(request, PROVIDER_ID).openid_config
        endpoint = metadata.get("end_session_endpoint") if isinstance(metadata, dict) else None
    except Exception as error:  # network, HTTP status, JSON, no PSC app: signing out must not fail
        logger.warning("PSC sign-out: the provider's metadata could not be read (%s)", type(error).__name__)
        return None
    if not isinstance(endpoint, str) or urlparse(endpoint).scheme not in {"https", "http"}:
        logger.warning("PSC sign-out: the provider's metadata has no usable end_session_endpoint")
        return None
    return endpoint


def end_session_url(endpoint: str, *, id_token: str, redirect_uri: str, state: str) -> str:
    """The end-session request (P12), keeping any query the endpoint already has."""
    parts = urlparse(endpoint)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.append(("id_token_hint", id_token))
    if redirect_uri:
        query += [("post_logout_redirect_uri", redirect_uri), ("state", state)]
    return urlunparse(parts._replace(query=urlencode(query)))


class LogoutView(AllauthLogoutView):  # type: ignore[misc]  # allauth is untyped here
    """allauth's sign-out (POST, CSRF-protected), which also ends the PSC session of a PSC sign-in."""

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        request = self.request
        id_token = request.session.get(ID_TOKEN_SESSION_KEY)
        if not request.user.is_authenticated or not isinstance(id_token, str):
            response: HttpResponse = super().post(*args, **kwargs)
            return response
        self.logout()  # our session first, whatever happens next (the ID token goes with it)
        endpoint = end_session_endpoint(request)
        if endpoint is None:
            messages.warning(
                request,
                _(
                    "Pro Santé Connect n'a pas pu être joint : votre session Pro Santé Connect est "
                    "peut-être encore ouverte. Fermez votre navigateur pour la terminer, surtout sur "
                    "un poste partagé."
                ),
            )
            return HttpResponseRedirect(reverse("home"))
        state = secrets.token_urlsafe(24)
        redirect_uri = settings.CERTIPRO_PSC_POST_LOGOUT_REDIRECT_URI
        response = HttpResponseRedirect(
            end_session_url(endpoint, id_token=id_token, redirect_uri=redirect_uri, state=state)
        )
        response.set_signed_cookie(
            STATE_COOKIE,
            state,
            salt=STATE_SALT,
            max_age=STATE_SECONDS,
            path="/",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",  # sent on PSC's top-level redirect back to us
        )
        return response


# --- 3. Back from PSC: the state ---


def returned_state(request: HttpRequest) -> str:
    """The way back: "confirmed", "absent" (P14, tolerated) or "mismatch" (wrong or expired state)."""
    try:
        expected = request.get_signed_cookie(STATE_COOKIE, salt=STATE_SALT, max_age=STATE_SECONDS)
    except (KeyError, signing.BadSignature):
        return "mismatch"
    state = request.GET.get("state")
    if state is None:
        return "absent"
    if not isinstance(expected, str):
        return "mismatch"
    return "confirmed" if secrets.compare_digest(state, expected) else "mismatch"


class LogoutReturnMiddleware:
    """On the post-logout address, with a sign-out pending: checks the state PSC sent back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if STATE_COOKIE not in request.COOKIES:
            return self.get_response(request)
        return_path = urlparse(settings.CERTIPRO_PSC_POST_LOGOUT_REDIRECT_URI).path or "/"
        if request.path != return_path:
            return self.get_response(request)
        outcome = returned_state(request)
        if outcome == "confirmed":
            messages.success(request, _("Votre session Pro Santé Connect est fermée, elle aussi."))
        elif outcome == "absent":
            logger.info("PSC sign-out: back without a state (tolerated, P14)")
        else:
            logger.warning("PSC sign-out: back with a state that does not match the pending one")
        response = self.get_response(request)
        response.delete_cookie(STATE_COOKIE, path="/", samesite="Lax")
        return response
