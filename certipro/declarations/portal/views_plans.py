"""The employer's side of the plans professionals share with it (decision 0004): "Plans partagés".

Only an employer sees this page, and only the plans whose owner chose it at this moment: a plan
stops answering (404) as soon as its owner stops sharing it. The forecast is the one the owner's
page shows (`space.plan_sharing.summarize_plans`, never re-derived here); axis 4 is shown as a count
only (D-40), and the owner's notes never. Each read of one plan is journaled (D-41) and shows on
the owner's "Qui a consulté mon compte".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from certipro.actions.models import Declarant, DeclarantKind
from certipro.audit.journal import Actor, record
from certipro.declarations.portal.views import Portal, _page, _portal, _render, _user
from certipro.referentiels.specs import AXIS_LABELS, PRIVATE_AXIS
from certipro.space.models_plan import Plan, PlannedAction
from certipro.space.plan import plannable_types, type_titles
from certipro.space.plan_rules import AxisForecast
from certipro.space.plan_sharing import PlanSummary, summarize_plans

PLANS_PER_PAGE = 25


def _employer(request: HttpRequest, declarant_id: int) -> Portal:
    """The portal of an employer this user acts for; 404 for anyone else and for training bodies."""
    portal = _portal(request, declarant_id)
    if portal.declarant.kind != DeclarantKind.EMPLOYER:
        raise Http404("only an employer receives plans")
    return portal


def shared_with(declarant: Declarant) -> QuerySet[Plan]:
    """The plans shared with this employer now, of exercises still held (the owner can manage them)."""
    return (
        Plan.objects.filter(employer=declarant, exercise__is_active=True)
        .select_related("exercise__professional", "exercise__profession")
        .order_by("exercise__professional__last_name", "exercise__professional__first_name", "pk")
    )


@login_required
@require_GET
def plans(request: HttpRequest, declarant_id: int) -> HttpResponse:
    portal = _employer(request, declarant_id)
    page = _page(request, shared_with(portal.declarant), PLANS_PER_PAGE)
    summaries = summarize_plans(list(page.object_list), today=timezone.localdate())
    context = {"page_obj": page, "summaries": summaries}
    return _render(request, "plans.html", portal, "plans", context)


@dataclass(frozen=True)
class ItemLine:
    title: str
    item: PlannedAction
    done: bool


@dataclass(frozen=True)
class AxisSection:
    axis: int
    label: str
    forecast: AxisForecast | None
    planned: int
    items: list[ItemLine]  # always empty for the private axis


def _sections(summary: PlanSummary) -> list[AxisSection]:
    # Axis-4 items get no title, no date, no line at all: only their number reaches the page.
    public = [i for i in summary.items if i.axis != PRIVATE_AXIS]
    titles = type_titles(plannable_types(summary.referentiels), {i.type_code for i in public})
    forecasts = {f.axis: f for f in summary.forecast.axes} if summary.forecast else {}
    return [
        AxisSection(
            axis=axis,
            label=AXIS_LABELS[axis],
            forecast=forecasts.get(axis),
            planned=planned,
            items=[ItemLine(titles[i.type_code], i, i.pk in summary.done) for i in public if i.axis == axis],
        )
        for axis, planned in zip((1, 2, 3, 4), summary.planned_per_axis, strict=True)
    ]


@login_required
@require_GET
def plan_detail(request: HttpRequest, declarant_id: int, plan_id: int) -> HttpResponse:
    portal = _employer(request, declarant_id)
    declarant = portal.declarant
    plan = get_object_or_404(shared_with(declarant), pk=plan_id)
    summary = summarize_plans([plan], today=timezone.localdate())[0]
    record(  # D-41: the owner reads it in "Qui a consulté mon compte"
        actor=Actor.for_user(_user(request), "employer"),
        verb="plan.viewed",
        professional_id=plan.professional_id,
        obj=plan,
        reason="consultation du plan d'actions partagé par le professionnel",
        data={"declarant": declarant.name, "declarant_id": declarant.pk},
    )
    context = {"plan": plan, "summary": summary, "sections": _sections(summary)}
    return _render(request, "plan_detail.html", portal, "plans", context)
