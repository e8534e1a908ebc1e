"""Pages of the professional's space. Who sees what is asked of `access` (404 otherwise)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from certipro.accounts.models import User
from certipro.accounts.psc.config import PROVIDER_ID
from certipro.directory.models import Professional
from certipro.directory.queries import specialty_labels
from certipro.notifications.services import unread_count
from certipro.space import dashboard_cache
from certipro.space.access import own_professional, viewed_professional
from certipro.space.dashboard import build_dashboard
from certipro.space.forms import ExerciseReportForm
from certipro.space.models import Activation, ExerciseReport, ReportState
from certipro.space.services import activate_account, report_exercise_error


def psc_configured() -> bool:
    return bool(settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"])


@require_GET
def sign_in(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "professional_id", None):
        return redirect("space:dashboard")
    return render(
        request,
        "space/sign_in.html",
        {
            "configured": psc_configured(),
            "dev_psc": settings.CERTIPRO_DEV_PSC,
            "login_url": reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID}),
            "next": reverse("space:dashboard"),
        },
    )


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("space:sign_in"))
    user = request.user
    assert isinstance(user, User)
    if user.professional_id is None or not user.is_active:
        raise Http404  # as own_professional: nobody learns who has an account
    # One query: the professional, whether the account is activated, and the page's version.
    visit = dashboard_cache.read_visit(user.professional_id)
    if not visit.activated:
        return redirect("space:activation")
    today = timezone.localdate()
    # A page with a flash message is the request's own: rendered, neither served kept nor kept.
    keeping = dashboard_cache.seconds() > 0 and not len(messages.get_messages(request))
    if not keeping:
        return _dashboard(request, visit.professional, owner=True, today=today, visit=visit)
    version = dashboard_cache.version(visit, user, today)
    html = dashboard_cache.kept(user.professional_id, version)
    if html is None:
        response = _dashboard(
            request, visit.professional, owner=True, today=today, visit=visit,
            csrf_token=dashboard_cache.CSRF_PLACEHOLDER,
        )  # fmt: skip
        html = response.content.decode()
        dashboard_cache.keep(user.professional_id, version, html)
    return dashboard_cache.respond(html, request)


@require_GET
def account(request: HttpRequest, rpps: str) -> HttpResponse:
    """Another person's dashboard, for those `can_view_account` allows (staff, for now)."""
    professional = viewed_professional(request.user, rpps)
    owner = getattr(request.user, "professional_id", None) == professional.pk
    return _dashboard(request, professional, owner=owner, today=timezone.localdate())


def _dashboard(
    request: HttpRequest,
    professional: Professional,
    *,
    owner: bool,
    today: date,
    visit: dashboard_cache.Visit | None = None,
    csrf_token: str | None = None,
) -> HttpResponse:
    sections = build_dashboard(professional, today=today, owner=owner)
    if visit is None:
        open_reports = ExerciseReport.objects.filter(
            professional=professional, state=ReportState.OPEN
        ).count()
        # The owner's messages are theirs: staff reading the account are not shown them.
        unread = unread_count(professional.pk) if owner else 0
    else:  # the owner's visit read them with the page's version
        open_reports, unread = visit.open_reports, visit.unread_notifications
    context: dict[str, Any] = {
        "professional": professional,
        "sections": sections,
        "owner": owner,
        "today": today,
        "open_reports": open_reports,
        "unread_notifications": unread,
    }
    if csrf_token is not None:
        context["csrf_token"] = csrf_token  # the placeholder of a page to keep (dashboard_cache)
    return render(request, "space/dashboard.html", context)


@require_http_methods(["GET", "POST"])
def activation(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("space:sign_in"))
    professional = own_professional(request.user)
    assert isinstance(request.user, User)
    if Activation.objects.filter(professional=professional).exists():
        return redirect("space:dashboard")
    exercises = list(
        professional.exercises.filter(is_active=True)
        .select_related("profession", "department", "practice_mode")
        .order_by("profession_id")
    )
    form = ExerciseReportForm(exercises=exercises)
    if request.method == "POST":
        if request.POST.get("action") == "confirm":
            activate_account(professional=professional, user=request.user, exercises=exercises)
            messages.success(request, _("Votre compte est activé. Voici où en est votre certification."))
            return redirect("space:dashboard")
        form = ExerciseReportForm(request.POST, exercises=exercises)
        if form.is_valid():
            report_exercise_error(
                professional=professional,
                user=request.user,
                exercise=form.cleaned_data["exercise"],
                message=form.cleaned_data["message"],
            )
            messages.success(
                request,
                _(
                    "Votre signalement a été transmis à votre ordre. Votre compte est ouvert en attendant "
                    "la correction de l'annuaire."
                ),
            )
            return redirect("space:dashboard")
    labels = specialty_labels(c for e in exercises for c in e.specialties)
    rows = [(e, [labels.get(c, c) for c in e.specialties]) for e in exercises]
    return render(
        request,
        "space/activation.html",
        {"professional": professional, "rows": rows, "form": form, "show_report": request.method == "POST"},
    )
