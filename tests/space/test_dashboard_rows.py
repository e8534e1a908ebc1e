"""`{% action_rows %}` (space/templatetags/dashboard_rows.py) writes exactly what the template loop
it replaced wrote: the same cells, escaped the same way, the dates and labels in the page's language."""

from __future__ import annotations

from datetime import date

import pytest
from django.template import engines
from django.utils import translation

from certipro.actions.models import ActionState, Source
from certipro.space.dashboard import ACTION_STATE_BADGE, ActionRow

# The loop of space/_actions.html before the tag.
LOOP = engines["django"].from_string(
    "{% load i18n %}{% for action in actions %}"
    "<tr><td>{{ action.title }}</td><td>{{ action.end_date|date:'j F Y' }}</td>"
    "<td>{% translate action.source %}</td>"
    '<td><p class="fr-badge fr-badge--sm {{ action.badge }}">{% translate action.state %}</p></td></tr>'
    "{% if not forloop.last %}\n{% endif %}{% endfor %}"
)
TAG = engines["django"].from_string("{% load dashboard_rows %}{% action_rows actions %}")


def rows() -> list[ActionRow]:
    titles = ["Insuffisance cardiaque", "<script>alert('x')</script> & \"co\"", "Éducation thérapeutique"]
    states = list(ActionState)
    return [
        ActionRow(
            title=titles[i % len(titles)],
            end_date=date(2023 + i % 4, 1 + i % 12, 1 + (i * 7) % 28),
            source=list(Source)[i % len(Source)].label,
            state=states[i % len(states)].label,
            badge=ACTION_STATE_BADGE.get(states[i % len(states)], ""),
        )
        for i in range(30)
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_rows_are_those_of_the_template_loop_in_each_language(language: str) -> None:
    with translation.override(language):
        expected = LOOP.render({"actions": rows()})
        assert TAG.render({"actions": rows()}) == expected
    assert "&lt;script&gt;" in expected and "<script>" not in expected
    assert ("1 janvier 2023" if language == "fr" else "1 January 2023") in expected


def test_no_action_no_row() -> None:
    assert TAG.render({"actions": []}) == ""


def test_the_labels_kept_per_language_follow_the_page_language() -> None:
    """The translated labels are kept per process: switching back and forth keeps each language's."""
    for language in ("fr", "en", "fr", "en"):
        with translation.override(language):
            assert TAG.render({"actions": rows()}) == LOOP.render({"actions": rows()}), language
