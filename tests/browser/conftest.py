"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

No browser is ever downloaded (the machines have no internet): the tests use the machine's
Chromium (`apt-get install chromium`), and skip, loudly, where there is none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.accounts.psc_live import psc_live_fixture  # noqa: F401  (the psc_live fixture)

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls from
# it unless told that this is deliberate (the tests' own setup code, never the server's).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CERTIPRO_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps calling hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SKIP_REASON = f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM} (install it: apt-get install -y chromium)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not CHROMIUM.exists():
        terminalreporter.write_sep("!", SKIP_REASON, red=True, bold=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fr-FR", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _nomenclatures(transactional_db: None) -> None:
    """A transactional test flushes the database, nomenclatures included: load them again."""
    from certipro.directory.nomenclatures import load
    from certipro.directory.services_nomenclatures import load_nomenclatures

    load_nomenclatures(load)


@pytest.fixture
def screenshot(page: Any) -> Any:
    """Saves a screenshot when CERTIPRO_SCREENSHOTS names a folder (docs/screenshots for the docs)."""
    folder = os.environ.get("CERTIPRO_SCREENSHOTS")

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def check_accessibility(page: Any) -> Any:
    """Runs axe-core on the current page; fails on serious or critical violations, naming them."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(what: str) -> None:
        violations = axe.run(page).response["violations"]
        serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} → {[n['target'] for n in v['nodes']]}" for v in serious
        )
        assert not serious, f"accessibility violations on {what} ({page.url}):\n{report}"

    return check


@pytest.fixture
def demo_site(psc_live: str, settings: Any, tmp_path: Path) -> str:
    """The demo population of `make run`, loaded through the same entry points, on the live server
    with the built-in Pro Santé Connect (tests/accounts/psc_live.py)."""
    from django.utils import timezone

    from certipro.demo.loader import load_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo(today=timezone.localdate())
    return psc_live
