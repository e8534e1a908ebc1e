"""Browser fixtures of the professional's space tests (Debian's Chromium, axe-core, screenshots).

Kept apart from tests/browser/conftest.py, which another part of the project owns: the space's
tests import these by name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture(scope="session", name="space_browser")
def space_browser_fixture(request: pytest.FixtureRequest) -> Iterator[Any]:
    # Playwright's sync API runs one instance per thread: when the folder already provides a
    # browser (tests/browser/conftest.py), share it rather than start a second one.
    try:
        shared = request.getfixturevalue("browser")
    except pytest.FixtureLookupError:
        shared = None
    if shared is not None:
        yield shared
        return
    if not CHROMIUM.exists():
        pytest.skip(f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(name="space_page")
def space_page_fixture(space_browser: Any) -> Iterator[Any]:
    context = space_browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(name="space_axe")
def space_axe_fixture(space_page: Any) -> Callable[[str], None]:
    """Runs axe-core on the page; fails on serious or critical violations, naming rule and targets."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(what: str) -> None:
        violations = axe.run(space_page).response["violations"]
        serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}" for v in serious
        )
        assert not serious, f"accessibility violations on {what} ({space_page.url}):\n{report}"

    return check


@pytest.fixture(name="space_screenshot")
def space_screenshot_fixture(space_page: Any) -> Callable[[str], None]:
    """Saves a full-page screenshot when CERTIPRO_SCREENSHOTS names a folder (docs/screenshots)."""
    folder = os.environ.get("CERTIPRO_SCREENSHOTS")

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            space_page.screenshot(path=str(Path(folder) / f"space-{name}.png"), full_page=True)

    return take
