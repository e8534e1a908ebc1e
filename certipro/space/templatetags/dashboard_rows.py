"""`{% action_rows actions %}`: the rows of a dashboard's action table (space/_actions.html).

Why not a `{% for %}` in the template: a dashboard lists tens of actions, and their four cells
through the template engine (a translation, a date, escaping, per cell) were the largest part of
rendering the page, about 2 ms of a rendered dashboard's 10 (docs/benchmarks.md). Here the same
cells, each escaped, cost a few microseconds a row. tests/space/test_dashboard_rows.py
holds this output equal to the template loop it replaces, in both languages.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.dates import MONTHS
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from certipro.space.dashboard import ActionRow

register = template.Library()
ROW = '<tr><td>{}</td><td>{}</td><td>{}</td><td><p class="fr-badge fr-badge--sm {}">{}</p></td></tr>'


# Sources, states and months are a handful of values: each translated and escaped once per
# process and language (the catalogues are read once per process), not once per table.
_LABELS: dict[tuple[str | None, str | int], str] = {}


@register.simple_tag
def action_rows(actions: Iterable[ActionRow]) -> SafeString:
    language = get_language()

    def label(value: str | int) -> str:
        text = _LABELS.get((language, value))
        if text is None:
            text = _LABELS[language, value] = conditional_escape(
                str(MONTHS[value]) if isinstance(value, int) else gettext(value)
            )
        return text

    return mark_safe(
        "\n".join(
            ROW.format(
                conditional_escape(a.title),
                # As the template's date:"j F Y", the month in the page's language.
                f"{a.end_date.day} {label(a.end_date.month)} {a.end_date.year}",
                label(a.source),
                conditional_escape(a.badge),
                label(a.state),
            )
            for a in actions
        )
    )
