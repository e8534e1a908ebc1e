"""Support of a CNP (R38): the professional opens, follows and closes grants; a CNP member lists
the accounts opened to their CNP and reads each within the grant's scope, every read journaled.

Who may read what is asked of `certipro.accounts.permissions` (`account_scope`); anything else is 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certipro.accounts.grants import (
    GrantRefused,
    grant_support,
    grants_of,
    max_days,
    offered_cnps,
    revoke_grant,
)
from certipro.accounts.models import User
from certipro.accounts.models_grants import Cnp, GrantScope, SupportGrant
from certipro.accounts.permissions import (
    CNP_ACTIONS,
    CNP_SCOPES,
    account_scope,
    granted_to_member,
    is_cnp_member,
    support_grant,
    viewer_role,
)
from certipro.audit.journal import Actor, record
from certipro.directory.models import Professional
from certipro.space.dashboard import build_dashboard
from certipro.space.views_actions import _user, owner_page

DURATIONS = (7, 30, 90)


class GrantForm(forms.Form):
    cnp = forms.ModelChoiceField(queryset=Cnp.objects.none(), label=gettext_lazy("CNP"), empty_label=None)
    scope = forms.ChoiceField(
        choices=GrantScope.choices, widget=forms.RadioSelect, label=gettext_lazy("Ce que le CNP pourra voir")
    )
    days = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Durée de l'accès"))
    reason = forms.CharField(
        label=gettext_lazy("Votre demande (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Ce message est transmis au CNP avec l'accès."),
    )

    def __init__(self, *args: Any, professional: Professional, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cnp"].queryset = offered_cnps(professional)  # type: ignore[attr-defined]
        longest = max_days()
        durations = sorted({d for d in DURATIONS if d <= longest} | {longest})
        self.fields["days"].choices = [  # type: ignore[attr-defined]
            (d, ngettext("%(n)s jour", "%(n)s jours", d) % {"n": d}) for d in durations
        ]
        # GrantScope's labels are French in the model: in the page's language here (web/labels.py).
        self.fields["scope"].choices = [(v, gettext(label)) for v, label in GrantScope.choices]  # type: ignore[attr-defined]
        self.fields["days"].initial = min(30, longest)


@require_http_methods(["GET", "POST"])
@owner_page
def grants(request: HttpRequest, professional: Professional) -> HttpResponse:
    now = timezone.now()
    form = GrantForm(request.POST or None, professional=professional)
    if request.method == "POST" and form.is_valid():
        try:
            grant_support(
                professional=professional,
                user=_user(request),
                cnp=form.cleaned_data["cnp"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
                reason=form.cleaned_data["reason"],
                now=now,
            )
        except GrantRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                gettext("Votre CNP peut désormais consulter votre compte, dans les limites choisies."),
            )
            return redirect("space:grants")
    active, past = grants_of(professional, now=now)
    context = {
        "professional": professional,
        "form": form,
        "has_cnps": form.fields["cnp"].queryset.exists(),  # type: ignore[attr-defined]
        "active": active,
        "past": past,
        "now": now,
        "max_days": max_days(),
    }
    return render(request, "space/grants.html", context, status=400 if form.errors else 200)


@require_POST
@owner_page
def grant_revoke(request: HttpRequest, professional: Professional, pk: int) -> HttpResponse:
    grant = get_object_or_404(SupportGrant, pk=pk, professional=professional)
    if revoke_grant(grant=grant, user=_user(request), now=timezone.now()):
        messages.success(
            request, gettext("L'accès de votre CNP est retiré : il ne peut plus consulter votre compte.")
        )
    else:
        messages.info(request, gettext("Cet accès était déjà clos."))
    return redirect("space:grants")


def _member(request: HttpRequest) -> User:
    if not is_cnp_member(request.user):
        raise Http404
    assert isinstance(request.user, User)
    return request.user


@require_GET
def cnp_accounts(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("space:sign_in"))
    user = _member(request)
    rows = granted_to_member(user).select_related("professional", "cnp").order_by("expires_at", "pk")
    return render(request, "space/cnp_accounts.html", {"grants": rows})


@require_GET
def cnp_account(request: HttpRequest, rpps: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("space:sign_in"))
    user = _member(request)
    professional = Professional.objects.filter(rpps=rpps).first()
    now = timezone.now()
    scope = account_scope(user, professional, now=now) if professional is not None else None
    grant = support_grant(user, professional, now=now) if professional is not None else None
    if professional is None or scope not in CNP_SCOPES or grant is None:
        raise Http404
    record(  # D-41: the professional reads it in "Qui a consulté mon compte"
        actor=Actor.for_user(user, viewer_role(scope)),
        verb="account_viewed",
        professional_id=professional.pk,
        obj=professional,
        reason=f"accompagnement par le CNP « {grant.cnp.name} » (accès accordé par le professionnel)",
        data={"via": "web", "grant": grant.pk, "scope": grant.scope},
    )
    sections = build_dashboard(professional, today=timezone.localdate(), owner=False)
    context = {
        "professional": professional,
        "sections": sections,
        "grant": grant,
        "show_actions": scope == CNP_ACTIONS,
    }
    return render(request, "space/cnp_account.html", context)
