"""allauth's OpenID Connect callback for the PSC app, which also keeps the raw ID token.

allauth decodes the ID token and drops the string PSC sent; the sign-out needs that string as
`id_token_hint` (P12, `logout.py`). This adapter is allauth's own, with one more step: the raw
token travels with the sign-in to `AccountAdapter.post_login`, which puts it in the session once
the professional is signed in (never before: a refused sign-in keeps nothing). Mounted at
allauth's callback address (config/urls.py), so the redirect URI registered with ANS is unchanged.
"""

from __future__ import annotations

from typing import Any

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse

from certipro.accounts.psc.config import PROVIDER_ID
from certipro.accounts.psc.logout import attach_id_token


class PSCOAuth2Adapter(OpenIDConnectOAuth2Adapter):  # type: ignore[misc]  # allauth is untyped here
    def complete_login(self, request: HttpRequest, app: SocialApp, token: Any, **kwargs: Any) -> SocialLogin:
        login: SocialLogin = super().complete_login(request, app, token, **kwargs)
        id_token = (kwargs.get("response") or {}).get("id_token")
        if isinstance(id_token, str):
            attach_id_token(login, id_token)
        return login


@login_not_required  # type: ignore[untyped-decorator]  # allauth's, untyped
def callback(request: HttpRequest) -> HttpResponse:
    try:
        view = OAuth2CallbackView.adapter_view(PSCOAuth2Adapter(request, PROVIDER_ID))
        response: HttpResponse = view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    return response
