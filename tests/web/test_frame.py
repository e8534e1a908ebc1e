"""web/base.html owns the page frame (django-dsfr's dsfr/base.html, with its parts that depend on
nothing of the request kept per process: templatetags/chrome.py `kept_asset`). It must give the
page the DSFR's own frame gives."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from certipro.web.templatetags import chrome

CONTENT = "{% block page_title %}Titre{% endblock %}{% block content %}<p>Contenu</p>{% endblock %}"
OURS = '{% extends "web/base.html" %}' + CONTENT
# The frame as it was: web/base.html extending the DSFR's.
OLD_BASE = (
    '{% extends "dsfr/base.html" %}{% load i18n chrome %}'
    "{% block lang %}{% get_current_language as current_language %}{{ current_language }}{% endblock lang %}"
    '{% block title %}<title>{% block page_title %}{% translate "Certification périodique" %}{% endblock %}'
    " — CertiPro</title>{% endblock title %}"
    '{% block header %}{% kept_include "web/header.html" %}{% endblock header %}'
    '{% block footer %}{% kept_include "web/footer.html" %}{% endblock footer %}'
    "{% block breadcrumb %}{% endblock breadcrumb %}"
    # The DSFR's frame has no skip links unless given some: ours, rendered the DSFR's way.
    '{% block skiplinks %}{% include "web/skiplinks.html" %}{% endblock skiplinks %}'
)
DSFR = "{% extends old_base %}" + CONTENT


def page(source: str, path: str = "/") -> str:
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    get_token(request)
    engine = engines["django"]
    old_base = engine.from_string(OLD_BASE).template  # type: ignore[attr-defined]
    html = engine.from_string(source).render({"old_base": old_base}, request)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", html)  # masked anew at each use
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_owned_frame_gives_the_dsfr_frames_page(db: None, language: str) -> None:
    with translation.override(language):
        for _ in range(2):  # rendered, then kept
            ours, theirs = page(OURS), page(DSFR)
            assert ours == theirs
            assert "dsfr.module.min.js" in ours and 'id="fr-theme-modal"' in ours


def test_the_skip_links_lead_to_the_pages_landmarks(db: None) -> None:
    """RGAA 12.7: the first links of every page lead to its content, its menu and its footer."""
    html = page(OURS)
    links = re.findall(r'<a class="fr-link" href="#([\w-]+)">', html)
    assert links == ["content", "fr-navigation", "footer"]
    first_link = html.index("<a ")
    assert html.index('class="fr-skiplinks"') < first_link
    for target in links:
        assert f'id="{target}"' in html


def test_kept_assets_follow_the_language(db: None) -> None:
    chrome._ASSETS.clear()
    with translation.override("en"):
        assert "Display settings" in page(OURS)
    with translation.override("fr"):
        assert "Paramètres d’affichage" in page(OURS) or "Paramètres d'affichage" in page(OURS)
    with translation.override("en"):
        assert "Display settings" in page(OURS)
