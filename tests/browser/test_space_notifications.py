"""Notifications in a real browser: the dashboard's notice, the inbox, the e-mail choices with the
keyboard. Accessible (axe-core: no serious or critical violation)."""

from __future__ import annotations

from typing import Any

import pytest

from certipro.directory.models import Professional
from certipro.notifications.kinds import Kind
from certipro.notifications.models import Preferences
from tests.browser.test_space_documents import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_inbox_and_choices_in_the_browser(
    page: Any, check_accessibility: Any, screenshot: Any, demo_site: str
) -> None:
    first = Professional.objects.order_by("pk").first()
    assert first is not None
    sign_in(page, demo_site, first)
    notice = page.get_by_text("nouvelle", exact=False).first
    notice.wait_for()
    page.get_by_role("link", name="Lire mes notifications").click()
    page.get_by_role("heading", name="Mes notifications", level=1).wait_for()
    assert (
        page.get_by_role("heading", name="Votre compte de certification périodique est ouvert").count() == 1
    )
    check_accessibility("the notifications inbox")
    screenshot("space-notifications")

    # The e-mail choices, with the keyboard alone: untick reminders, type an address, save.
    page.get_by_role("link", name="Choisir mes notifications par courriel").click()
    page.get_by_role("heading", name="Choisir mes notifications par courriel", level=1).wait_for()
    check_accessibility("the notification choices")
    address = page.get_by_label("Adresse électronique pour les notifications")
    address.focus()
    page.keyboard.type("moi@cabinet.fr")
    reminders = page.get_by_label("Rappel avant la fin de la période")
    reminders.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Enregistrer mes choix").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Vos préférences de notification sont enregistrées.").wait_for()
    prefs = Preferences.objects.get(professional=first)
    assert prefs.email == "moi@cabinet.fr" and prefs.email_declined == [Kind.REMINDER]
    check_accessibility("the notification choices after saving")

    # A bad address is named, next to the field.
    address = page.get_by_label("Adresse électronique pour les notifications")
    address.fill("moi@")
    page.get_by_role("button", name="Enregistrer mes choix").click()
    page.get_by_text("Saisissez une adresse électronique valide, par exemple nom@domaine.fr.").wait_for()
    check_accessibility("the notification choices with an error")
