"""French first, English on request: the language of the pages and the English catalogue.

Everyone starts in French, whatever their browser asks (a French public service; the browser
journeys run an English Chromium and read French). English only when the person picks it in the
header's language selector, which posts to Django's set_language and leaves a cookie.
"""

from __future__ import annotations

import ast
import gettext
import html
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from certipro.accounts.models import User
from certipro.accounts.models_grants import GrantScope
from certipro.actions.declarants import create_declarant
from certipro.actions.models import ActionState, Channel, DeclarantKind, Source
from certipro.audit.journal import Actor
from certipro.directory.models import Professional
from certipro.referentiels.specs import AXIS_LABELS
from certipro.space.dashboard import AXIS_STATUS, PACE
from certipro.space.export import VERB_LABELS
from certipro.space.models import Activation
from certipro.space.models_documents import DateRequestState
from certipro.web.labels import LABELS
from certipro.web.templatetags.certipro_i18n import time_left
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SKIP_REASON

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
HOME_FR = "Certification périodique des professionnels de santé"
HOME_EN = "Periodic certification of health professionals"


def text(response: Any) -> str:
    """The page's words, without tags or repeated spaces."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def choose(client: Client, language: str, page: str = "/") -> None:
    """What the header's language selector does: a POST to set_language, back to the page."""
    response = client.post("/i18n/setlang/", {"language": language, "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


# --- The language of the pages ---


def test_pages_are_french_for_an_english_browser(db: None, client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert HOME_FR in text(response) and HOME_EN not in text(response)
    assert '<html lang="fr"' in response.content.decode()
    assert response["Content-Language"] == "fr"
    # The selector names each language in itself, whatever the page's language.
    assert 'lang="fr" aria-current="true">FR - Français<' in response.content.decode()
    assert 'value="en" lang="en">EN - English<' in response.content.decode()


def test_choosing_english_switches_the_home_page_and_back(db: None, client: Client) -> None:
    choose(client, "en")
    response = client.get("/")
    page = text(response)
    assert HOME_EN in page and "Update one's knowledge and skills" in page and HOME_FR not in page
    assert '<html lang="en"' in response.content.decode() and response["Content-Language"] == "en"
    # The selector shows the active language, each language named in itself.
    assert re.search(r'value="en" lang="en" aria-current="true">EN - English<', response.content.decode())
    assert 'value="fr" lang="fr">FR - Français<' in response.content.decode()

    choose(client, "fr")
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert HOME_FR in text(response) and '<html lang="fr"' in response.content.decode()


@pytest.mark.parametrize("cookie", ["de", "en-us", "", "fr; en"])
def test_a_language_the_site_does_not_offer_falls_back_to_french(
    db: None, client: Client, cookie: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert HOME_FR in text(response) and response["Content-Language"] == "fr"


def test_the_choice_does_not_outlive_its_request(db: None, client: Client) -> None:
    choose(client, "en")
    client.get("/")
    assert translation.get_language() == settings.LANGUAGE_CODE


def in_english_chromium(journey: Callable[[Any], None]) -> None:
    """Runs `journey(page)` in the machine's Chromium set to English, in a thread of its own:
    Playwright's sync API refuses a thread where it already runs (tests/browser keeps its browser
    open for the whole session)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
                    context.set_default_timeout(15_000)
                    journey(context.new_page())
                finally:
                    browser.close()
        except BaseException as exc:  # re-raised in the test's own thread
            failures.append(exc)

    thread = threading.Thread(target=run, name="english-chromium")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_english_browser_reads_french_and_switches_with_the_selector(live_server: Any) -> None:
    """French first in an English Chromium; the DSFR selector, by keyboard, switches to English and
    back; both languages pass axe-core (no serious or critical violation)."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    def wait_for_dsfr(page: Any) -> None:  # the DSFR's script opens the menu: wait until it runs
        page.locator('.fr-translate__btn[data-fr-js-collapse-button="true"]').first.wait_for()

    def check_accessibility(page: Any) -> None:
        violations = Axe().run(page).response["violations"]
        serious = [
            f"{v['id']}: {v['help']}" for v in violations if v.get("impact") in ("serious", "critical")
        ]
        assert not serious, f"accessibility violations on {page.url}: {serious}"

    def journey(page: Any) -> None:
        page.goto(f"{live_server.url}/")
        page.get_by_role("heading", name=HOME_FR, level=1).wait_for()
        assert page.locator("html").get_attribute("lang") == "fr"
        check_accessibility(page)

        toggle = page.get_by_role("button", name="FR", exact=True)
        wait_for_dsfr(page)
        toggle.focus()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        page.get_by_role("button", name="EN - English").focus()
        page.keyboard.press("Enter")
        page.get_by_role("heading", name=HOME_EN, level=1).wait_for()
        assert page.locator("html").get_attribute("lang") == "en"
        check_accessibility(page)

        wait_for_dsfr(page)
        page.get_by_role("button", name="EN", exact=True).click()
        page.get_by_role("button", name="FR - Français").click()
        page.get_by_role("heading", name=HOME_FR, level=1).wait_for()

    in_english_chromium(journey)


# --- The professional's space and the declarants' portal ---


@pytest.fixture
def professional_client(client: Client, dr_martin: Professional) -> Client:
    client.force_login(User.objects.create_user("10000000017", professional=dr_martin))
    Activation.objects.create(professional=dr_martin)
    return client


def test_the_professionals_dashboard_in_english_and_back(professional_client: Client) -> None:
    french = text(professional_client.get("/mon-espace/"))
    assert "Ma certification périodique" in french and "Avancement par axe" in french

    choose(professional_client, "en", "/mon-espace/")
    page = text(professional_client.get("/mon-espace/"))
    for words in (
        "My periodic certification",
        "Progress by axis",
        "1. Update one's knowledge and skills",  # the dashboard's axis labels, translated on display
        "In progress",  # the axes' status (space/dashboard.py AXIS_STATUS)
        "Pace",
        "Time left:",
        "What I still have to do",
        "Declare an action",
        "Sign out",
    ):
        assert words in page, words
    assert "Ma certification périodique" not in page and "Avancement par axe" not in page
    assert not re.search(r"\b(Axe|Rythme|Temps restant|En cours)\b", page)

    choose(professional_client, "fr", "/mon-espace/")
    assert "Ma certification périodique" in text(professional_client.get("/mon-espace/"))


def test_the_declaration_form_in_english(professional_client: Client) -> None:
    choose(professional_client, "en", "/mon-espace/actions/declarer/")
    response = professional_client.get("/mon-espace/actions/declarer/")
    page = text(response)
    assert "Declare an action" in page and "Action type" in page and "Choose an action type" in page
    # The choices' groups: the dashboard's axis labels, translated by the form.
    assert '<optgroup label="Axis 4 — Take better care of one\'s own health">' in html.unescape(
        response.content.decode()
    )


@pytest.fixture
def declarant_client(db: None, client: Client, settings: Any, tmp_path: Path) -> tuple[Client, int]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    declarant, _, _ = create_declarant(kind="organism", name="ODPC Exemple", actor=Actor.command("test"))
    member = User.objects.create_user("alice", password="un mot de passe solide")
    declarant.members.add(member)
    client.force_login(member)
    return client, declarant.pk


def test_the_declarants_portal_in_english_and_back(declarant_client: tuple[Client, int]) -> None:
    client, pk = declarant_client
    french = text(client.get(f"/declarants/{pk}/"))
    assert "Envois de fichiers" in french and "(organisme de formation)" in french

    choose(client, "en", f"/declarants/{pk}/")
    page = text(client.get(f"/declarants/{pk}/"))
    for words in (
        "Declarants' space",
        "(training body)",
        "File uploads",
        "Send a file",
        "No files sent yet.",
    ):
        assert words in page, words
    assert "Envois de fichiers" not in page
    refused = client.post(
        f"/declarants/{pk}/", {"file": SimpleUploadedFile("lot.xlsx", b"x", "application/vnd.ms-excel")}
    )
    assert refused.status_code == 400 and "The file must be in CSV format (.csv extension)." in text(refused)
    assert "0 declarations" in text(client.get(f"/declarants/{pk}/declarations/"))

    choose(client, "fr", f"/declarants/{pk}/")
    assert "Envois de fichiers" in text(client.get(f"/declarants/{pk}/"))


def test_time_left_is_in_words_in_french_and_in_english() -> None:
    with translation.override("fr"):
        assert [time_left(d) for d in (1, 12, 60, 61, 95, 365, 400, 1900)] == [
            "1 jour",
            "12 jours",
            "60 jours",
            "2 mois",
            "3 mois",
            "1 an",
            "1 an et 1 mois",
            "5 ans et 2 mois",
        ]
    with translation.override("en"):
        assert [time_left(d) for d in (1, 12, 95, 365, 400, 1900)] == [
            "1 day",
            "12 days",
            "3 months",
            "1 year",
            "1 year and 1 month",
            "5 years and 2 months",
        ]


# --- The catalogue ---


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header included, as msgid ""): enough of the format for a check."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        entry = entry or Entry(msgid="")
        if line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := re.fullmatch(r'(msgctxt|msgid|msgid_plural|msgstr)(?:\[(\d+)\])? (".*")', line):
            target = (match[1], int(match[2] or 0))
            _store(entry, target, ast.literal_eval(match[3]))
        elif line.startswith('"'):
            _store(entry, target, ast.literal_eval(line), append=True)
        else:
            raise AssertionError(f"unexpected line in {path.name}: {line!r}")
    return entries


def _store(entry: Entry, target: tuple[str, int], value: str, *, append: bool = False) -> None:
    kind, index = target
    if kind == "msgstr":
        entry.msgstr[index] = (entry.msgstr.get(index, "") if append else "") + value
    elif kind == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "" if append else "") + value
    elif kind == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "" if append else "") + value
    else:
        entry.msgid = (entry.msgid if append else "") + value


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return read_po(CATALOGUE / "django.po")


def test_every_message_has_an_english_translation(entries: list[Entry]) -> None:
    header, messages = entries[0], entries[1:]
    assert header.msgid == "" and "fuzzy" not in header.flags
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert len(messages) > 300
    untranslated = [
        e.msgid for e in messages if not all(e.msgstr.get(i) for i in (0, 1)[: 1 + bool(e.msgid_plural)])
    ]
    assert not untranslated, f"msgids without an English msgstr: {untranslated}"
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries (check and unmark them): {fuzzy}"
    assert not [e.msgid for e in messages if e.obsolete], "obsolete entries: run `make messages`"


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%|\{[a-z_]+\}")


def test_translations_keep_the_placeholders_of_their_msgid(entries: list[Entry]) -> None:
    # msgfmt checks this when it compiles; a machine without gettext relies on this test.
    for e in entries[1:]:
        sources = [e.msgid, e.msgid_plural or e.msgid]
        for index, translated in e.msgstr.items():
            expected = sorted(PLACEHOLDER.findall(sources[min(index, 1)]))
            assert sorted(PLACEHOLDER.findall(translated)) == expected, (e.msgid, translated)


def test_the_compiled_catalogue_matches_the_po_file(entries: list[Entry]) -> None:
    """django.mo is committed (a fresh machine may have no msgfmt): it must say what the .po says."""
    with (CATALOGUE / "django.mo").open("rb") as stream:
        compiled = gettext.GNUTranslations(stream)
    stale = []
    for e in entries[1:]:
        if e.msgctxt is not None:
            got = [compiled.pgettext(e.msgctxt, e.msgid)]
        elif e.msgid_plural is None:
            got = [compiled.gettext(e.msgid)]
        else:
            got = [
                compiled.ngettext(e.msgid, e.msgid_plural, 1),
                compiled.ngettext(e.msgid, e.msgid_plural, 2),
            ]
        if got != [e.msgstr[i] for i in range(len(got))]:
            stale.append(e.msgid)
    assert not stale, f"django.mo is older than django.po (run `make messages`): {stale[:5]}"


def test_every_french_message_reads_as_written_in_french(entries: list[Entry]) -> None:
    """Our msgids are the French text. One that is also an English msgid of Django's or a
    library's catalogue ("Note" -> "Remarque") would show their French instead: give it a context."""
    changed = []
    with translation.override("fr"):
        for e in entries[1:]:
            if e.msgctxt is not None:
                got = [translation.pgettext(e.msgctxt, e.msgid)]
            elif e.msgid_plural is None:
                got = [translation.gettext(e.msgid)]
            else:
                got = [translation.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            if got != [e.msgid, e.msgid_plural or e.msgid][: len(got)]:
                changed.append((e.msgid, got))
    assert not changed, f"French msgids translated by another catalogue: {changed}"


def test_labels_from_french_only_modules_are_listed_and_translated(entries: list[Entry]) -> None:
    """Labels the pages translate on display (certipro/web/labels.py) are all in the catalogue."""
    shown = [
        *AXIS_LABELS.values(),
        *(label for label, _ in AXIS_STATUS.values()),
        *(text for label, _, help_text in PACE.values() for text in (label, help_text)),
        *(
            str(label)
            for choices in (ActionState, Source, Channel, DeclarantKind, GrantScope)
            for label in choices.labels
        ),
        *(str(label) for label in DateRequestState.labels),
        *VERB_LABELS.values(),
    ]
    translated = {e.msgid for e in entries[1:] if e.msgstr.get(0)}
    assert not [label for label in shown if label not in LABELS], "add them to certipro/web/labels.py"
    assert not [label for label in shown if label not in translated], "run `make messages` and translate"
    with translation.override("en"):
        assert translation.gettext(ActionState.CONTESTED.label) == "Contested"
