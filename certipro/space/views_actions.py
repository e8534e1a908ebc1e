"""Pages of "Mes actions", "Qui a consulté mon compte" and "Mes données": the owner's only.

Every page answers 404 to anyone but the professional (`access.own_professional`), including
staff: evidence, notes and axis-4 titles are the professional's alone (D-40).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certipro.accounts.models import User
from certipro.actions.checks import ActionRefused
from certipro.actions.models import Action, ActionTransition, Source
from certipro.directory.models import Professional
from certipro.referentiels.models import ActionType
from certipro.space.access import own_professional
from certipro.space.dashboard import ACTION_STATE_BADGE
from certipro.space.evidence import download_name
from certipro.space.export import csv_archive, describe, export_data, is_read, viewings
from certipro.space.forms_actions import ContestForm, DeclareActionForm, NoteForm, declarable_types
from certipro.space.models import Activation
from certipro.space.models_actions import ActionNote, Evidence
from certipro.space.services_actions import can_contest, contest_claim, declare_own_action, save_note

View = Callable[..., HttpResponseBase]
VIEWINGS_PER_PAGE = 50


def owner_page(view: View) -> View:
    """Signed in, a professional, account activated: else the sign-in page, 404 or activation."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("space:sign_in"))
        professional = own_professional(request.user)
        if not Activation.objects.filter(professional=professional).exists():
            return redirect("space:activation")
        return view(request, professional, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # owner_page let only a professional's user through
    return request.user


def _type_titles(codes: set[str]) -> dict[str, str]:
    # The same code has the same title across versions; any one will do for a label.
    return dict(ActionType.objects.filter(code__in=codes).values_list("code", "title"))


def _decorate(actions: list[Action]) -> list[Action]:
    titles = _type_titles({a.type_code for a in actions})
    for a in actions:
        a.type_title = titles.get(a.type_code, a.type_code)  # type: ignore[attr-defined]
        a.badge = ACTION_STATE_BADGE.get(a.state, "")  # type: ignore[attr-defined, call-overload]
        a.declared_by_label = declared_by(a)  # type: ignore[attr-defined]
        a.contestable = can_contest(a)  # type: ignore[attr-defined]
    return actions


def declared_by(action: Action) -> str:
    if action.source == Source.PROFESSIONAL:
        return _("Vous")
    name = action.declarant.name if action.declarant_id and action.declarant else ""
    source = _(Source(action.source).label)  # in certipro/web/labels.py
    return f"{name} ({source})" if name else source


def _own_action(professional: Professional, pk: int) -> Action:
    return get_object_or_404(Action.objects.select_related("declarant"), pk=pk, professional=professional)


@require_GET
@owner_page
def action_list(request: HttpRequest, professional: Professional) -> HttpResponse:
    actions = _decorate(
        list(
            Action.objects.filter(professional=professional)
            .select_related("declarant")
            .annotate(evidence_count=Count("evidence_files"))
            .order_by("-end_date", "-pk")
        )
    )
    received = [a for a in actions if a.source != Source.PROFESSIONAL]
    mine = [a for a in actions if a.source == Source.PROFESSIONAL]
    return render(
        request,
        "space/action_list.html",
        {"professional": professional, "received": received, "mine": mine},
    )


@require_http_methods(["GET", "POST"])
@owner_page
def action_declare(request: HttpRequest, professional: Professional) -> HttpResponse:
    today = timezone.localdate()
    types = declarable_types(professional, today)
    form = DeclareActionForm(request.POST or None, request.FILES or None, types=types)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen
        try:
            recorded = declare_own_action(
                professional=professional,
                user=_user(request),
                profession=chosen.profession,
                type_code=chosen.code,
                title=form.cleaned_data["title"],
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                evidence=form.checked,
                today=today,
            )
        except ActionRefused as refused:
            form.add_refusal(refused.code, refused.message)
        else:
            messages.success(request, _("Votre action est enregistrée. Elle compte dès maintenant."))
            return redirect("space:action_detail", pk=recorded.action.pk)
    return render(
        request,
        "space/action_declare.html",
        {"professional": professional, "form": form, "has_types": bool(types)},
    )


def _detail(
    request: HttpRequest,
    professional: Professional,
    action: Action,
    *,
    contest_form: ContestForm | None = None,
    note_form: NoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    _decorate([action])
    note = ActionNote.objects.filter(action=action, professional=professional).first()
    if note_form is None:
        initial = {"quality": note.quality, "relevance": note.relevance, "note": note.note} if note else {}
        note_form = NoteForm(initial=initial)
    context = {
        "professional": professional,
        "action": action,
        "transitions": ActionTransition.objects.filter(action=action).order_by("at", "pk"),
        "evidence": Evidence.objects.filter(action=action, professional=professional),
        "note": note,
        "note_form": note_form,
        "contest_form": contest_form or ContestForm(),
    }
    return render(request, "space/action_detail.html", context, status=status)


@require_GET
@owner_page
def action_detail(request: HttpRequest, professional: Professional, pk: int) -> HttpResponse:
    return _detail(request, professional, _own_action(professional, pk))


@require_POST
@owner_page
def action_contest(request: HttpRequest, professional: Professional, pk: int) -> HttpResponse:
    action = _own_action(professional, pk)
    form = ContestForm(request.POST)
    if not can_contest(action):
        messages.info(request, _("Cette action ne peut pas être contestée."))
        return redirect("space:action_detail", pk=action.pk)
    if not form.is_valid():
        return _detail(request, professional, action, contest_form=form, status=400)
    contest_claim(
        action=action, user=_user(request), reason=form.cleaned_data["reason"], today=timezone.localdate()
    )
    messages.success(request, _("Votre contestation est enregistrée : cette action ne compte plus."))
    return redirect("space:action_detail", pk=action.pk)


@require_POST
@owner_page
def action_note(request: HttpRequest, professional: Professional, pk: int) -> HttpResponse:
    action = _own_action(professional, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _detail(request, professional, action, note_form=form, status=400)
    save_note(action=action, user=_user(request), **form.cleaned_data)
    messages.success(request, _("Votre avis est enregistré. Vous seul pouvez le lire."))
    return redirect("space:action_detail", pk=action.pk)


@require_GET
@owner_page
def evidence_download(request: HttpRequest, professional: Professional, pk: int) -> FileResponse:
    evidence = Evidence.objects.filter(
        pk=pk, professional=professional, action__professional=professional
    ).first()
    if evidence is None:
        raise Http404
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=download_name(evidence),
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@owner_page
def viewers(request: HttpRequest, professional: Professional) -> HttpResponse:
    page = Paginator(viewings(professional, _user(request)), VIEWINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for entry in page.object_list:
        entry.what = describe(entry)  # type: ignore[attr-defined]
        entry.is_read = is_read(entry)  # type: ignore[attr-defined]
    return render(request, "space/viewers.html", {"professional": professional, "page": page})


@require_GET
@owner_page
def export(request: HttpRequest, professional: Professional) -> HttpResponse:
    return render(request, "space/export.html", {"professional": professional})


@require_GET
@owner_page
def export_json(request: HttpRequest, professional: Professional) -> HttpResponse:
    data = export_data(professional, user=_user(request), fmt="json")
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="certipro-{professional.rpps}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@owner_page
def export_csv(request: HttpRequest, professional: Professional) -> HttpResponse:
    data = export_data(professional, user=_user(request), fmt="csv")
    response = HttpResponse(csv_archive(data), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="certipro-{professional.rpps}-csv.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
