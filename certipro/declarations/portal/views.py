"""Pages of the declarants' portal. Every page asks `access.declarants_of` who may see what."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from certipro.accounts.models import User
from certipro.actions.models import Action, Declarant
from certipro.declarations.portal.access import declarants_of
from certipro.declarations.portal.forms import DeclarationSearchForm, UploadForm
from certipro.declarations.portal.models import FileUpload, LineStatus
from certipro.declarations.portal.services import UploadRefused, receive_upload, rejection_rows

UPLOADS_PER_PAGE = 20
LINES_PER_PAGE = 50
DECLARATIONS_PER_PAGE = 50

# The API's error codes (contracts/declarations.md), for people; the API's own message follows.
ERROR_LABELS = {
    "invalid": gettext_lazy("Champ manquant ou invalide"),
    "unknown_rpps": gettext_lazy("RPPS inconnu"),
    "unknown_action_type": gettext_lazy("Type d'action inconnu"),
    "not_in_referentiel": gettext_lazy("Hors du référentiel du professionnel"),
    "not_declarable": gettext_lazy("Action non déclarable par ce déclarant"),
    "future_date": gettext_lazy("Date de fin dans le futur"),
    "outside_cycle": gettext_lazy("Hors période de certification"),
    "duplicate_in_request": gettext_lazy("Référence déjà présente plus haut dans le fichier"),
}


class SignInView(LoginView):
    template_name = "declarations/portal/connexion.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # Declarants' staff land in their portal; anyone else where the settings say.
        if declarants_of(self.request.user).exists():
            return reverse("portal:home")
        return super().get_default_redirect_url()


def _page(request: HttpRequest, queryset: QuerySet[Any], per_page: int) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


class Portal(NamedTuple):
    declarant: Declarant
    several: bool  # the user acts for several declarants: offer to switch


def _portal(request: HttpRequest, declarant_id: int) -> Portal:
    """The declarant this page is about, if the user acts for it; 404 otherwise.

    One query for all of the user's declarants (a handful at most): it also tells whether to
    offer a switch, which a second query would otherwise ask on every page.
    """
    mine = list(declarants_of(request.user))
    for declarant in mine:
        if declarant.pk == declarant_id:
            return Portal(declarant, len(mine) > 1)
    raise Http404("not a declarant of this user")


def _render(
    request: HttpRequest, template: str, portal: Portal, tab: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    base = {"declarant": portal.declarant, "several": portal.several, "tab": tab}
    return render(request, f"declarations/portal/{template}", {**base, **context}, status=status)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    declarants = list(declarants_of(request.user))
    if not declarants:
        raise Http404("no declarant")
    if len(declarants) == 1:
        return redirect("portal:uploads", declarant_id=declarants[0].pk)
    return render(request, "declarations/portal/choose.html", {"declarants": declarants})


@login_required
@require_http_methods(["GET", "POST"])
def uploads(request: HttpRequest, declarant_id: int) -> HttpResponse:
    portal = _portal(request, declarant_id)
    declarant = portal.declarant
    form = UploadForm()
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                upload = receive_upload(
                    declarant=declarant,
                    user=_user(request),
                    uploaded=form.cleaned_data["file"],
                    max_bytes=settings.CERTIPRO_UPLOAD_MAX_BYTES,
                )
            except UploadRefused as refused:
                form.add_error("file", refused.message)
            else:
                messages.success(
                    request,
                    gettext("Fichier « %(name)s » reçu : son traitement commence.")
                    % {"name": upload.original_name},
                )
                return redirect("portal:upload", declarant_id=declarant.pk, upload_id=upload.pk)
        status = 400
    listing = FileUpload.objects.filter(declarant=declarant).select_related("uploaded_by")
    context = {
        "form": form,
        "page_obj": _page(request, listing, UPLOADS_PER_PAGE),
        "max_mb": settings.CERTIPRO_UPLOAD_MAX_BYTES // (1024 * 1024),
    }
    return _render(request, "uploads.html", portal, "uploads", context, status)


def _upload(request: HttpRequest, declarant_id: int, upload_id: int) -> tuple[Portal, FileUpload]:
    portal = _portal(request, declarant_id)
    uploads = FileUpload.objects.filter(declarant=portal.declarant).select_related("uploaded_by")
    return portal, get_object_or_404(uploads, pk=upload_id)


@login_required
@require_GET
def upload_detail(request: HttpRequest, declarant_id: int, upload_id: int) -> HttpResponse:
    portal, upload = _upload(request, declarant_id, upload_id)
    rejected = upload.lines.filter(status=LineStatus.REJECTED).order_by("line")
    page = _page(request, rejected, LINES_PER_PAGE)
    for line in page.object_list:
        line.reasons = [
            (ERROR_LABELS.get(e.get("code"), e.get("code")), e.get("message")) for e in line.errors
        ]
    return _render(request, "upload.html", portal, "uploads", {"upload": upload, "page_obj": page})


@login_required
@require_GET
def upload_state(request: HttpRequest, declarant_id: int, upload_id: int) -> JsonResponse:
    """The upload's progress, polled by its page while it runs."""
    _, upload = _upload(request, declarant_id, upload_id)
    return JsonResponse(
        {
            "status": upload.status,
            "status_label": upload.get_status_display(),
            "running": upload.is_running,
            "processed_lines": upload.processed_lines,
            "total_lines": upload.total_lines,
            "percent": upload.percent,
        }
    )


class _Echo:
    """csv.writer wants a file; this one hands each written row back to the response."""

    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def rejections_csv(request: HttpRequest, declarant_id: int, upload_id: int) -> StreamingHttpResponse:
    _, upload = _upload(request, declarant_id, upload_id)
    writer = csv.writer(_Echo())

    def body() -> Iterator[str]:
        yield "\ufeff"  # the BOM makes spreadsheets read the file as UTF-8
        for row in rejection_rows(upload):
            yield writer.writerow(row)

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejets-envoi-{upload.pk}.csv"'
    return response


@login_required
@require_GET
def declarations(request: HttpRequest, declarant_id: int) -> HttpResponse:
    portal = _portal(request, declarant_id)
    form = DeclarationSearchForm(request.GET)
    actions = Action.objects.filter(declarant=portal.declarant).select_related("professional")
    if form.is_valid():
        criteria = form.cleaned_data
        if criteria["external_id"]:
            actions = actions.filter(external_id__icontains=criteria["external_id"].strip())
        if criteria["rpps"]:
            actions = actions.filter(professional__rpps=criteria["rpps"].strip())
        if criteria["action_type"]:
            actions = actions.filter(type_code=criteria["action_type"].strip().upper())
        if criteria["state"]:
            actions = actions.filter(state=criteria["state"])
    page = _page(request, actions.order_by("-declared_at", "-pk"), DECLARATIONS_PER_PAGE)
    searched = any(request.GET.get(name) for name in form.fields)
    context = {"form": form, "page_obj": page, "searched": searched}
    return _render(request, "declarations.html", portal, "declarations", context)
