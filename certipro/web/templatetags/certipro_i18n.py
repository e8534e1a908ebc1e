"""Template helpers for the pages' two languages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def time_left(days: int) -> str:
    """Days in words a person reads at a glance, in the page's language: "5 ans et 1 mois",
    "3 mois", "12 jours"."""
    if days < 61:
        return ngettext("%(n)d jour", "%(n)d jours", days) % {"n": days}
    years, months = days // 365, (days % 365) // 30
    in_years = ngettext("%(n)d an", "%(n)d ans", years) % {"n": years}
    in_months = ngettext("%(n)d mois", "%(n)d mois", months) % {"n": months}
    if years and months:
        return gettext("%(years)s et %(months)s") % {"years": in_years, "months": in_months}
    return in_years if years else in_months
