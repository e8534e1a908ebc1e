"""`{% load i18n kept_i18n %}`: the same output as Django's `{% translate %}`, kept per language
(certipro/web/templatetags/kept_i18n.py)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext_lazy

from certipro.web.templatetags import kept_i18n

CASES = [
    '{% translate "Ma période" %}',
    '{% translate "Ce qu\'il me reste à faire" %}',  # an apostrophe: escaped or not, as Django does
    "{% translate label %}",  # a plain string in a variable: its translation is escaped
    "{% translate safe_label %}",
    '{% translate "Mon plan d\'actions" as x %}[{{ x }}]',
    "{% translate label as x %}[{{ x }}]",
    '{% translate "100 %" %}',
    '{% translate "May" context "month name" %}',
    '{% translate "Ma période" noop %}',
    "{% translate label|upper %}",
    "{% translate lazy_label %}",
    "{% translate missing %}",
    '{% trans "Ma période" %}',
]


def render(source: str, *, kept: bool, autoescape: bool) -> str:
    libraries = "{% load i18n kept_i18n %}" if kept else "{% load i18n %}"
    if not autoescape:
        source = "{% autoescape off %}" + source + "{% endautoescape %}"
    context = Context(
        {
            "label": "Mon plan d'actions",
            "safe_label": Template("{{ x|safe }}").render(Context({"x": "Mon plan d'actions"})),
            "lazy_label": gettext_lazy("Ma période"),
        },
        autoescape=autoescape,
    )
    return Template(libraries + source).render(context)


@pytest.mark.parametrize("source", CASES)
@pytest.mark.parametrize("autoescape", [True, False])
def test_kept_translations_read_as_djangos_in_both_languages(source: str, autoescape: bool) -> None:
    for language in ("fr", "en", "fr", "en"):  # and again, from what was kept
        with translation.override(language):
            expected = render(source, kept=False, autoescape=autoescape)
            assert render(source, kept=True, autoescape=autoescape) == expected, (language, source)


def test_a_kept_translation_is_the_active_languages() -> None:
    with translation.override("en"):
        assert render('{% translate "Ma période" %}', kept=True, autoescape=True) == "My period"
    with translation.override("fr"):
        assert render('{% translate "Ma période" %}', kept=True, autoescape=True) == "Ma période"
    with translation.override("en"):
        assert render('{% translate "Ma période" %}', kept=True, autoescape=True) == "My period"


def test_the_kept_translations_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kept_i18n, "SIZE", 3)
    kept_i18n._KEPT.clear()
    for n in range(10):
        template = Template("{% load i18n kept_i18n %}{% translate label %}")
        assert template.render(Context({"label": f"message {n}"})) == f"message {n}"
        assert len(kept_i18n._KEPT) <= 3
