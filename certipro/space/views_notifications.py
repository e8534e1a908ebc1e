"""The professional's notifications inbox and their choices: the owner's only (404 to anyone else)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certipro.audit.journal import Actor
from certipro.directory.models import Professional
from certipro.notifications.kinds import OPTIONAL, SPECS
from certipro.notifications.kinds import render as render_text
from certipro.notifications.models import Notification
from certipro.notifications.services import mark_read, preferences_of, save_preferences
from certipro.space.forms_notifications import PreferencesForm
from certipro.space.views_actions import _user, owner_page

PER_PAGE = 20


@require_http_methods(["GET"])
@owner_page
def inbox(request: HttpRequest, professional: Professional) -> HttpResponse:
    page = Paginator(Notification.objects.filter(professional=professional), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for n in page.object_list:
        n.title, n.text = render_text(n.kind, n.data)  # type: ignore[attr-defined]
        n.url = SPECS[n.kind].url(n.data)  # type: ignore[attr-defined]
    # What is shown is read: the badge "Nouveau" marks it on this visit only.
    mark_read(professional.pk, [n.pk for n in page.object_list if n.read_at is None])
    return render(request, "notifications/inbox.html", {"professional": professional, "page": page})


@require_POST
@owner_page
def read_all(request: HttpRequest, professional: Professional) -> HttpResponse:
    count = mark_read(professional.pk)
    messages.success(request, _("%(count)d notification(s) marquée(s) comme lue(s).") % {"count": count})
    return redirect("space:notifications")


@require_http_methods(["GET", "POST"])
@owner_page
def preferences(request: HttpRequest, professional: Professional) -> HttpResponse:
    prefs = preferences_of(professional.pk)
    initial = {"email": prefs.email, "by_email": [k for k in OPTIONAL if k not in prefs.email_declined]}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["by_email"])
        save_preferences(
            professional_id=professional.pk,
            email=form.cleaned_data["email"],
            declined=[k for k in OPTIONAL if k not in wanted],
            actor=Actor.for_user(_user(request), "professional"),
        )
        messages.success(request, _("Vos préférences de notification sont enregistrées."))
        return redirect("space:notification_preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"professional": professional, "form": form, "directory_email": professional.email},
    )
