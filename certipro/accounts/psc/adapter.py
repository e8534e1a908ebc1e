"""allauth's hooks: who may sign in, and as whom.

A PSC sign-in is accepted only for a professional of the directory, found by RPPS; the user is
created (or found) from that professional before allauth's own sign-up could run, so allauth
never creates an account by itself and never looks at an e-mail address. Once the professional
is signed in, PSC's ID token goes into the session, for the sign-out only (`logout.py`).
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from certipro.accounts.models import User
from certipro.accounts.psc.claims import (
    SignInRefused,
    identity_from_claims,
    professional_for,
    trimmed_claims,
)
from certipro.accounts.psc.config import PROVIDER_ID
from certipro.accounts.psc.logout import remember_id_token
from certipro.audit.journal import Actor, record
from certipro.directory.models import Professional

logger = logging.getLogger("certipro.psc")
PSC_ACTOR = Actor(label="pro-sante-connect", role="identity_provider")


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth is untyped here
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # No local sign-up: professionals come through PSC, staff are created by an administrator.
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request.user, "professional_id", None):
            return reverse("space:dashboard")
        return str(super().get_login_redirect_url(request))

    def post_login(self, request: HttpRequest, user: User, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post_login(request, user, **kwargs)
        # Once signed in (our session is the new one): PSC's ID token, for the sign-out (P12).
        remember_id_token(request, (kwargs.get("signal_kwargs") or {}).get("sociallogin"))
        return response


class PSCAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # pre_social_login below links every accepted identity to its user, so allauth's sign-up
        # is never needed; closing it makes sure it cannot create an account on its own.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.account.provider != PROVIDER_ID:
            return
        data = sociallogin.account.extra_data
        try:
            identity = identity_from_claims(data, accepted_acr=settings.CERTIPRO_PSC_ACCEPTED_ACR)
            professional = professional_for(identity)
        except SignInRefused as refused:
            raise ImmediateHttpResponse(refuse(request, refused)) from refused
        sociallogin.account.extra_data = trimmed_claims(data)
        with transaction.atomic():
            user = user_for(professional)
            if sociallogin.is_existing:
                if sociallogin.user is None or sociallogin.user.pk != user.pk:
                    # A PSC identity already linked to someone else: never sign in as either.
                    raise ImmediateHttpResponse(
                        refuse(request, SignInRefused("linked_elsewhere", identity.id_nat))
                    )
                sociallogin.account.save(update_fields=["extra_data"])
            else:
                sociallogin.connect(request, user)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        # PSC's failures (expired code, network, signature) are only visible here.
        logger.warning("PSC sign-in failed: %s %r", error, exception)
        super().on_authentication_error(request, provider, error, exception, extra_context)


def user_for(professional: Professional) -> User:
    """The professional's user, created on their first sign-in (without a usable password)."""
    user = User.objects.filter(professional=professional).first()
    if user is not None:
        return user
    user = User(
        username=professional.rpps,
        first_name=professional.first_name,
        last_name=professional.last_name,
        professional=professional,
    )
    user.set_unusable_password()
    user.save()
    record(
        actor=Actor.for_user(user, "professional"),
        verb="account_created",
        professional_id=professional.pk,
        obj=user,
        reason="première connexion par Pro Santé Connect",
    )
    return user


def refuse(request: HttpRequest, refused: SignInRefused) -> Any:
    logger.warning("PSC sign-in refused: %s (SubjectNameID %r)", refused.reason, refused.id_nat)
    record(actor=PSC_ACTOR, verb="sign_in_refused", reason=refused.reason, data={"id_nat": refused.id_nat})
    return render(request, "space/sign_in_refused.html", {"reason": refused.reason}, status=403)
