"""Pages of "Mon plan": the plan of one exercise, add and remove an item, share it. Owner only (404).

With no period open today the plan page still opens, read only, and says why; adding or removing
an item then leads back to it with nothing written, while sharing and unsharing keep working.

The employer's side of a shared plan is in the declarants' portal (`declarations/portal/views_plans.py`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from dsfr.forms import DsfrBaseForm

from certipro.accounts.models import User
from certipro.actions.models import Declarant
from certipro.directory.models import Exercise, Professional
from certipro.referentiels.specs import AXIS_LABELS
from certipro.space.forms_actions import DateInput
from certipro.space.models_plan import Plan, PlannedAction
from certipro.space.plan import (
    PlanPage,
    TypeOption,
    add_planned_action,
    build_plan,
    period_open,
    remove_planned_action,
)
from certipro.space.plan_rules import PlanRefused, target_error
from certipro.space.plan_sharing import EMPLOYED_MODES, share_plan
from certipro.space.views_actions import owner_page


class PlannedActionForm(DsfrBaseForm):  # type: ignore[misc]  # django-dsfr is untyped
    type = forms.ChoiceField(
        label=gettext_lazy("Action prévue"),
        help_text=gettext_lazy(
            "Les actions de votre référentiel, par axe. Une action possible dans plusieurs axes "
            "apparaît dans chacun : choisissez l'axe pour lequel vous la prévoyez."
        ),
    )
    target_date = forms.DateField(label=gettext_lazy("Date prévue"), widget=DateInput())
    note = forms.CharField(
        label=gettext_lazy("Note (facultatif)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Par exemple : l'organisme ou la session envisagés. Visible de vous seul."),
    )

    def __init__(self, *args: Any, types: list[TypeOption], today: date, end: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = {t.value: t for t in types}
        groups: dict[str, list[tuple[str, str]]] = {}
        for t in types:
            group = gettext("Axe %(axis)s — %(label)s") % {
                "axis": t.axis,
                "label": gettext(AXIS_LABELS[t.axis]),
            }
            groups.setdefault(group, []).append((t.value, t.title))
        self.fields["type"].choices = [("", gettext("Choisir une action")), *groups.items()]
        target = self.fields["target_date"]
        target.help_text = gettext("Entre aujourd'hui et le %(end)s, dernier jour de votre période.") % {
            "end": f"{end:%d/%m/%Y}"
        }
        target.widget.attrs.update({"min": today.isoformat(), "max": end.isoformat()})
        self.today, self.end = today, end

    def clean_target_date(self) -> date:
        target: date = self.cleaned_data["target_date"]
        error = target_error(target, today=self.today, end=self.end)
        if error:
            raise forms.ValidationError(error)
        return target

    @property
    def option(self) -> TypeOption:
        return self.options[self.cleaned_data["type"]]


class ShareForm(DsfrBaseForm):  # type: ignore[misc]  # django-dsfr is untyped
    """The employer to share the plan with, among those allowed (decision 0004)."""

    employer = forms.ChoiceField(
        label=gettext_lazy("Employeur"),
        help_text=gettext_lazy("Les employeurs qui ont déclaré une action pour vous dans CertiPro."),
    )

    def __init__(self, *args: Any, employers: list[Declarant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.employers = {str(e.pk): e for e in employers}
        choices = [(str(e.pk), e.name) for e in employers]
        self.fields["employer"].choices = [("", gettext("Choisir un employeur")), *choices]

    @property
    def chosen(self) -> Declarant:
        return self.employers[self.cleaned_data["employer"]]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # owner_page let only a professional's user through
    return request.user


def _exercise(professional: Professional, profession: str) -> Exercise:
    exercise = (
        Exercise.objects.select_related("profession", "professional")
        .filter(professional=professional, profession_id=profession, is_active=True)
        .first()
    )
    if exercise is None:
        raise Http404
    return exercise


def _closed(request: HttpRequest, profession: str) -> HttpResponse:
    """Back to the plan, which says why: no period is open today, so the plan cannot change."""
    if request.method == "POST":  # a page opened before the period ended: say that nothing changed
        messages.info(
            request,
            gettext(
                "Aucune période de certification n'est ouverte aujourd'hui : votre plan ne peut pas "
                "être modifié pour l'instant."
            ),
        )
    return redirect("space:plan", profession=profession)


def _share_form(page: PlanPage, data: Any = None) -> ShareForm:
    initial = {"employer": str(page.plan.employer_id)} if page.plan and page.plan.employer_id else None
    return ShareForm(data, employers=page.employers, initial=initial)


@require_GET
@owner_page
def plan(request: HttpRequest, professional: Professional, profession: str) -> HttpResponse:
    page = build_plan(_exercise(professional, profession), today=timezone.localdate())
    context = {"professional": professional, "page": page, "share_form": _share_form(page)}
    return render(request, "space/plan.html", context)


@require_http_methods(["GET", "POST"])
@owner_page
def plan_add(request: HttpRequest, professional: Professional, profession: str) -> HttpResponse:
    today = timezone.localdate()
    exercise = _exercise(professional, profession)
    page = build_plan(exercise, today=today)
    if page.end is None:  # no period open today: nothing can be planned
        return _closed(request, profession)
    form = PlannedActionForm(request.POST or None, types=page.types, today=today, end=page.end)
    if request.method == "POST" and form.is_valid():
        try:
            add_planned_action(
                professional=professional,
                user=_user(request),
                exercise=exercise,
                option=form.option,
                target_date=form.cleaned_data["target_date"],
                note=form.cleaned_data["note"],
                period_end=page.end,
                today=today,
            )
        except PlanRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            messages.success(request, gettext("L'action est ajoutée à votre plan."))
            return redirect("space:plan", profession=profession)
    return render(
        request,
        "space/plan_add.html",
        {"professional": professional, "page": page, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@owner_page
def plan_remove(request: HttpRequest, professional: Professional, profession: str, pk: int) -> HttpResponse:
    exercise = _exercise(professional, profession)
    item = get_object_or_404(PlannedAction, pk=pk, professional=professional, exercise=exercise)
    if not period_open(exercise, today=timezone.localdate()):  # the plan is read only
        return _closed(request, profession)
    remove_planned_action(item=item, user=_user(request))
    messages.success(request, gettext("L'action est retirée de votre plan."))
    return redirect("space:plan", profession=profession)


@require_POST
@owner_page
def plan_share(request: HttpRequest, professional: Professional, profession: str) -> HttpResponse:
    """Shares the plan with the employer chosen in the form, or stops sharing it ("unshare")."""
    exercise = _exercise(professional, profession)
    if request.POST.get("unshare"):
        # Always possible while shared, even once no longer salaried: the choice stays the owner's.
        plan = Plan.objects.filter(exercise=exercise).select_related("employer").first()
        if plan is None or plan.employer is None:
            return redirect("space:plan", profession=profession)
        name = plan.employer.name
        share_plan(professional=professional, user=_user(request), exercise=exercise, employer=None)
        messages.success(
            request,
            gettext("Votre plan n'est plus partagé : « %(name)s » ne peut plus le consulter.")
            % {"name": name},
        )
        return redirect("space:plan", profession=profession)
    if exercise.practice_mode_id not in EMPLOYED_MODES:
        raise Http404
    page = build_plan(exercise, today=timezone.localdate())
    form = _share_form(page, request.POST)
    if form.is_valid():
        try:
            share_plan(
                professional=professional, user=_user(request), exercise=exercise, employer=form.chosen
            )
        except PlanRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            messages.success(
                request,
                gettext("Votre plan est partagé avec « %(name)s ».") % {"name": form.chosen.name},
            )
            return redirect("space:plan", profession=profession)
    context = {"professional": professional, "page": page, "share_form": form}
    return render(request, "space/plan.html", context, status=400)
