"""`{% load i18n kept_i18n %}`: the same output as Django's `{% translate %}` and
`{% blocktranslate %}`, their translations kept per language (certipro/web/templatetags/kept_i18n.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template, TemplateSyntaxError
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
    # blocktranslate: plural forms with counts whose digits are grouped or not, variables of each form
    "{% blocktranslate count counter=k %}Vous avez {{ counter }} nouvelle notification.{% plural %}"
    "Vous avez {{ counter }} nouvelles notifications.{% endblocktranslate %}",
    "{% blocktranslate count n=k with axis=axis label=label %}"
    "Axe {{ axis }} — {{ label }} : encore {{ n }} action.{% plural %}"
    "Axe {{ axis }} — {{ label }} : encore {{ n }} actions.{% endblocktranslate %}",
    # a variable of the plural form only
    "{% blocktranslate count n=k with axis=axis %}Un seul{% plural %}{{ n }} axes : {{ axis }}"
    "{% endblocktranslate %}",
    "{% blocktranslate with axis=axis label=label %}Axe {{ axis }} — {{ label }}{% endblocktranslate %}",
    "{% blocktranslate with n=k %}{{ n }} %{% endblocktranslate %}",
    "{% blocktranslate %}Vous avez {{ missing }}{% endblocktranslate %}",
    "{% blocktranslate trimmed %}\n  Ma\n  période\n{% endblocktranslate %}",
    '{% blocktranslate context "month name" %}May{% endblocktranslate %}',
    "{% blocktranslate asvar x %}Ma période{% endblocktranslate %}[{{ x }}]",
    "{% blocktrans count counter=k %}{{ counter }} jour{% plural %}{{ counter }} jours{% endblocktrans %}",
]


def render(source: str, *, kept: bool, autoescape: bool, k: int = 2) -> str:
    libraries = "{% load i18n kept_i18n %}" if kept else "{% load i18n %}"
    if not autoescape:
        source = "{% autoescape off %}" + source + "{% endautoescape %}"
    context = Context(
        {
            "label": "Mon plan d'actions",
            "safe_label": Template("{{ x|safe }}").render(Context({"x": "Mon plan d'actions"})),
            "lazy_label": gettext_lazy("Ma période"),
            "k": k,
            "axis": 4,
        },
        autoescape=autoescape,
    )
    return Template(libraries + source).render(context)


@pytest.mark.parametrize("source", CASES)
@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("k", [1, 2, 0, -7, 999, 1000, 12345])
@pytest.mark.parametrize("grouped", [False, True])
def test_kept_translations_read_as_djangos_in_both_languages(
    source: str, autoescape: bool, k: int, grouped: bool, settings: Any
) -> None:
    settings.USE_THOUSAND_SEPARATOR = grouped  # numbers of four digits and more are then grouped
    for language in ("fr", "en", "fr", "en"):  # and again, from what was kept
        with translation.override(language):
            expected = render(source, kept=False, autoescape=autoescape, k=k)
            assert render(source, kept=True, autoescape=autoescape, k=k) == expected, (language, source)


def test_a_count_that_is_not_a_number_is_refused_as_django_refuses_it() -> None:
    source = "{% blocktranslate count n=label %}{{ n }} jour{% plural %}{{ n }} jours{% endblocktranslate %}"
    for kept in (False, True):
        with pytest.raises(TemplateSyntaxError, match="argument to 'blocktranslate' tag must be a number"):
            render(source, kept=kept, autoescape=True)


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
