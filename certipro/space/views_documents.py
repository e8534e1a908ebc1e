"""The professional's documents and requests: the synthèse (D-53), "Changer de référentiel" (D-14) and
"Modifier mes dates de certification" (D-16). Only the owner reaches them: anyone else gets a 404."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from dsfr.forms import DsfrBaseForm

from certipro.accounts.models import User
from certipro.audit.journal import Actor
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.directory.models import Exercise, Holding, Professional
from certipro.directory.queries import specialty_labels
from certipro.entrypoints.exercises import DirectoryError, choose_referentiel
from certipro.referentiels.models import Referentiel
from certipro.space.access import own_professional
from certipro.space.models import Activation
from certipro.space.models_documents import DateChangeRequest, DateRequestState
from certipro.space.requests import (
    CheckedDocument,
    RequestError,
    check_document,
    current_period,
    submit_date_change_request,
    withdraw_date_change_request,
)
from certipro.space.synthese import SyntheseUnavailable, synthese_for

DEFAULT_CHOICE = "__default__"  # "the référentiel of my specialty" (choose_referentiel's code=None)


def _owner(request: HttpRequest, profession: str) -> tuple[User, Professional, Exercise] | HttpResponse:
    """The signed-in professional and their exercise of `profession`; 404 for anyone else."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("space:sign_in"))
    professional = own_professional(request.user)
    assert isinstance(request.user, User)
    if not Activation.objects.filter(professional=professional).exists():
        return redirect("space:activation")
    exercise = (
        professional.exercises.select_related("profession", "professional")
        .filter(profession_id=profession, is_active=True)
        .first()
    )
    if exercise is None:
        raise Http404
    return request.user, professional, exercise


@require_GET
def synthese(request: HttpRequest, profession: str) -> HttpResponseBase:
    owner = _owner(request, profession)
    if isinstance(owner, HttpResponse):
        return owner
    user, professional, _ = owner
    try:
        stored = synthese_for(
            professional=professional, profession=profession, user=user, today=timezone.localdate()
        )
    except SyntheseUnavailable as exc:
        raise Http404 from exc
    return FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=f"synthese-certification-{professional.rpps}-{profession}.pdf",
        content_type="application/pdf",
    )


@require_http_methods(["GET", "POST"])
def referentiel(request: HttpRequest, profession: str) -> HttpResponse:
    owner = _owner(request, profession)
    if isinstance(owner, HttpResponse):
        return owner
    user, professional, exercise = owner
    today = timezone.localdate()
    options, current, chosen = _referentiel_options(exercise, today)
    context: dict[str, Any] = {"professional": professional, "exercise": exercise, "today": today}
    if request.method == "POST":
        choice = request.POST.get("code", "")
        option = next((o for o in options if o["code"] == choice), None)
        if choice == DEFAULT_CHOICE and chosen:
            option = {
                "code": DEFAULT_CHOICE,
                "title": gettext("Le référentiel de ma spécialité"),
                "default": True,
            }
        if option is None:
            messages.error(request, gettext("Choisissez un des référentiels proposés."))
        elif option.get("current") and not option.get("default"):
            messages.info(request, gettext("Ce référentiel est déjà le vôtre."))
        elif request.POST.get("confirm") != "1":
            return render(request, "space/referentiel_confirm.html", {**context, "option": option})
        else:
            try:
                choose_referentiel(
                    exercise=exercise,
                    code=None if choice == DEFAULT_CHOICE else choice,
                    on=today,
                    actor=Actor.for_user(user, "professional"),
                    today=today,
                )
            except DirectoryError:
                messages.error(request, gettext("Ce référentiel ne peut pas être choisi."))
            else:
                messages.success(
                    request,
                    gettext("Votre référentiel a été changé : %(title)s.") % {"title": option["title"]},
                )
                return redirect("space:dashboard")
    holdings = list(Holding.objects.filter(exercise=exercise).order_by("-start", "-pk"))
    titles = {o["code"]: o["title"] for o in options}
    labels = specialty_labels({c for h in holdings for c in h.specialties})
    history = [
        {
            "start": h.start,
            "end": h.end,
            "specialties": [labels.get(c, c) for c in h.specialties],
            "referentiel": titles.get(h.chosen_referentiel, h.chosen_referentiel),
            "reason": h.reason,
        }
        for h in holdings
    ]
    context.update(
        options=options, current=current, chosen=chosen, history=history, default_choice=DEFAULT_CHOICE
    )
    return render(request, "space/referentiel_list.html", context)


def _referentiel_options(exercise: Exercise, today: date) -> tuple[list[dict[str, Any]], list[str], str]:
    """The published référentiels of the profession (their latest version), compared with the current."""
    statuses = evaluate_exercises([exercise], as_of=today, catalogue=load_catalogue())
    in_force = {label.partition("@")[0] for s in statuses for label in s.evaluation.referentiels}
    holding = exercise.holdings.filter(end__isnull=True).order_by("-start").first()
    chosen = holding.chosen_referentiel if holding else ""
    latest: dict[str, Referentiel] = {}
    for r in (
        Referentiel.objects.filter(profession_id=exercise.profession_id, published_on__lte=today)
        .prefetch_related("action_types")
        .order_by("code", "-published_on", "-version")
    ):
        latest.setdefault(r.code, r)
    reference = next((latest[c] for c in sorted(in_force) if c in latest), None)
    reference_types = {t.code for t in reference.action_types.all()} if reference else set()
    labels = specialty_labels({c for r in latest.values() for c in r.specialties})
    options = []
    for code, r in sorted(latest.items(), key=lambda item: item[1].title):
        types = {t.code for t in r.action_types.all()}
        options.append(
            {
                "code": code,
                "title": r.title,
                "version": r.version,
                "specialties": [labels.get(c, c) for c in r.specialties],
                "types": len(types),
                "current": code in in_force,
                "chosen": code == chosen,
                "matches": not r.specialties or bool(set(r.specialties) & set(exercise.specialties)),
                "changes": _what_changes(r, reference, types, reference_types),
            }
        )
    return options, sorted(in_force), chosen


def _what_changes(
    option: Referentiel, reference: Referentiel | None, types: set[str], reference_types: set[str]
) -> str:
    if reference is None:
        return gettext("Aucun référentiel ne s'applique à vous aujourd'hui.")
    if option.code == reference.code:
        return gettext("C'est votre référentiel actuel.")
    notes = [
        gettext("axe %(axis)s : %(minimum)s actions requises au lieu de %(reference)s")
        % {"axis": axis, "minimum": option.minimum_for(axis), "reference": reference.minimum_for(axis)}
        for axis in (1, 2, 3, 4)
        if option.minimum_for(axis) != reference.minimum_for(axis)
    ]
    common = len(types & reference_types)
    in_common = ngettext(
        "%(n)s type d'actions en commun avec votre référentiel actuel",
        "%(n)s types d'actions en commun avec votre référentiel actuel",
        common if common > 1 else 1,  # French says "0 type", in the singular
    )
    notes.insert(0, in_common % {"n": common})
    if not notes[1:]:
        notes.append(gettext("mêmes minimums par axe"))
    text = " ; ".join(notes)
    return text[0].upper() + text[1:] + "."


class DateChangeRequestForm(DsfrBaseForm):  # type: ignore[misc]  # django-dsfr is untyped
    requested_start = forms.DateField(
        label=gettext_lazy("Date de début demandée"),
        help_text=gettext_lazy("Laissez vide pour garder la date actuelle. Format : JJ/MM/AAAA."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    requested_end = forms.DateField(
        label=gettext_lazy("Date de fin demandée"),
        help_text=gettext_lazy("Laissez vide pour garder la date actuelle. Format : JJ/MM/AAAA."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Motif de la demande"),
        help_text=gettext_lazy(
            "Par exemple : « Inscrite à l'ordre le 3 mars 2024, et non le 1er janvier 2023. »"
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    document = forms.FileField(
        label=gettext_lazy("Justificatif"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.CERTIPRO_DATE_REQUEST_DOCUMENT_MAX_BYTES
        self.fields["document"].help_text = gettext(
            "Obligatoire. Fichier PDF, JPEG ou PNG, %(size)s au plus."
        ) % {"size": filesizeformat(limit)}

    def clean_document(self) -> CheckedDocument:
        try:
            return check_document(self.cleaned_data["document"])
        except RequestError as exc:
            raise ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean()
        if not data.get("requested_start") and not data.get("requested_end"):
            raise ValidationError(gettext("Indiquez la date de début ou de fin que vous demandez."))
        return data


@require_http_methods(["GET", "POST"])
def dates(request: HttpRequest, profession: str) -> HttpResponse:
    owner = _owner(request, profession)
    if isinstance(owner, HttpResponse):
        return owner
    user, professional, exercise = owner
    today = timezone.localdate()
    period = current_period(exercise, today)
    form = DateChangeRequestForm()
    if request.method == "POST" and period is not None:
        form = DateChangeRequestForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                submit_date_change_request(
                    professional=professional,
                    exercise=exercise,
                    requested_start=form.cleaned_data["requested_start"],
                    requested_end=form.cleaned_data["requested_end"],
                    reason=form.cleaned_data["reason"],
                    document=form.cleaned_data["document"],
                    actor=Actor.for_user(user, "professional"),
                    today=today,
                )
            except RequestError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, gettext("Votre demande a été transmise à votre ordre, qui la décidera.")
                )
                return redirect("space:dates", profession=profession)
    requests = list(
        DateChangeRequest.objects.filter(professional=professional, exercise=exercise).prefetch_related(
            "transitions"
        )
    )
    pending = any(r.state == DateRequestState.SUBMITTED for r in requests)
    return render(
        request,
        "space/dates_request.html",
        {
            "professional": professional,
            "exercise": exercise,
            "period": period,
            "form": form,
            "requests": requests,
            "pending": pending,
            "states": {s.value: s.label for s in DateRequestState},
        },
    )


@require_POST
def withdraw_dates(request: HttpRequest, profession: str, pk: int) -> HttpResponse:
    owner = _owner(request, profession)
    if isinstance(owner, HttpResponse):
        return owner
    user, professional, _ = owner
    try:
        withdraw_date_change_request(
            professional=professional, request_id=pk, actor=Actor.for_user(user, "professional")
        )
    except RequestError as exc:
        if not DateChangeRequest.objects.filter(pk=pk, professional=professional).exists():
            raise Http404 from exc
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("Votre demande a été retirée."))
    return redirect("space:dates", profession=profession)
