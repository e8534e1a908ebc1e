"""`{% action_rows actions %}`: the rows of a dashboard's action table (space/_actions.html).

Why not a `{% for %}` in the template: a dashboard lists tens of actions, and their four cells
through the template engine (a translation, a date, escaping, per cell) were the largest part of
rendering the page, about 2 ms of a rendered dashboard's 10 (docs/benchmarks.md). Here the same
cells, escaped by `format_html`, cost a few microseconds a row. tests/space/test_dashboard_rows.py
holds this output equal to the template loop it replaces, in both languages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django import template
from django.utils.dates import MONTHS
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from certipro.space.dashboard import ActionRow

register = template.Library()
ROW = '<tr><td>{}</td><td>{}</td><td>{}</td><td><p class="fr-badge fr-badge--sm {}">{}</p></td></tr>'


@register.simple_tag
def action_rows(actions: Iterable[ActionRow]) -> SafeString:
    months: dict[int, str] = {}

    def day(d: date) -> str:  # as the template's date:"j F Y", the month in the page's language
        month = months.get(d.month)
        if month is None:
            month = months[d.month] = str(MONTHS[d.month])
        return f"{d.day} {month} {d.year}"

    return format_html_join(
        "\n",
        ROW,
        ((a.title, day(a.end_date), gettext(a.source), a.badge, gettext(a.state)) for a in actions),
    )
