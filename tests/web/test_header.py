"""The page frame (web/base.html on django-dsfr's dsfr/base.html): skip links to the page's
landmarks, the header of each kind of visitor with each browser's own CSRF token in its forms,
and the language selector returning to the page it is on, in both languages."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from certipro.accounts.models import User
from certipro.directory.models import Professional

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The "next" field of the header's language forms (web/header.html), not of the page's own forms.
NEXT = re.compile(
    r'action="/i18n/setlang/">\s*<input[^>]+>\s*<input type="hidden" name="next" value="([^"]*)"'
)


def page(path: str = "/", language: str = "fr") -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "labels"),
    [("fr", ["Contenu", "Menu", "Pied de page"]), ("en", ["Content", "Menu", "Footer"])],
)
def test_the_skip_links_lead_to_the_pages_landmarks(db: None, language: str, labels: list[str]) -> None:
    """RGAA 12.7: the first links of every page lead to its content, its menu and its footer."""
    for path in ("/", "/mon-espace/connexion/"):
        html = page(path, language)
        links = re.findall(r'<a class="fr-link" href="#([\w-]+)">([^<]*)</a>', html)
        assert links == list(zip(["content", "fr-navigation", "footer"], labels, strict=True))
        assert html.index('class="fr-skiplinks"') < html.index("<a ")
        for target, _ in links:
            assert len(re.findall(rf'id="{target}"', html)) == 1


@pytest.mark.parametrize(
    ("language", "settings_label"), [("fr", "Paramètres d’affichage"), ("en", "Display settings")]
)
def test_the_dsfr_frame_in_the_pages_language(db: None, language: str, settings_label: str) -> None:
    html = page("/", language)
    assert f'<html lang="{language}"' in html
    assert "dsfr.module.min.js" in html and 'id="fr-theme-modal"' in html and settings_label in html
    assert re.search(r"<title>\s*[^<]+ — CertiPro</title>", html)
    # The language selector names the current language, and each language in itself.
    assert re.search(rf'value="{language}" lang="{language}" aria-current="true"', html)
    assert "EN - English" in html and "FR - Français" in html


def test_each_kind_of_visitor_gets_its_own_header_on_the_same_page(dr_martin: Professional) -> None:
    professional = Client()
    professional.force_login(User.objects.create_user("10000000017", professional=dr_martin))
    staff = Client()
    staff.force_login(User.objects.create_user("agent", is_staff=True))
    member = Client()  # signed in, neither staff nor a professional (a declarant's member)
    member.force_login(User.objects.create_user("membre"))
    for _ in range(2):
        anonymous_page = Client().get("/").content.decode()
        professional_page = professional.get("/").content.decode()
        staff_page = staff.get("/").content.decode()
        member_page = member.get("/").content.decode()
        assert "Se connecter" in anonymous_page and "Se déconnecter" not in anonymous_page
        assert "Se déconnecter" in professional_page and "Administration" not in professional_page
        assert "Administration" in staff_page and "Mon espace" not in staff_page
        assert "Administration" not in member_page and "Se connecter" not in member_page


def test_the_header_forms_carry_each_browsers_own_token(db: None) -> None:
    browsers = [Client(enforce_csrf_checks=True) for _ in range(2)]
    tokens = []
    for browser in browsers:
        page = browser.get("/").content.decode()
        tokens.append(set(TOKEN.findall(page)))
    assert all(len(t) == 1 for t in tokens) and tokens[0] != tokens[1]
    for browser, (token,) in zip(browsers, tokens, strict=True):
        # The token in the header is accepted from its own browser (Django's CSRF check).
        answer = browser.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
        assert answer.status_code == 302
    stranger = Client(enforce_csrf_checks=True)
    stranger.get("/")
    (theirs,) = tokens[0]
    assert (
        stranger.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": theirs}).status_code == 403
    )


def test_the_language_forms_return_to_the_page_they_are_on(db: None) -> None:
    client = Client()
    for path in ("/", "/mon-espace/connexion/", "/mon-espace/connexion/?next=/mon-espace/", "/"):
        assert set(NEXT.findall(client.get(path).content.decode())) == {path}
