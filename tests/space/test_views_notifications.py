"""The inbox and the e-mail choices: the owner's only, accessible, journaled."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certipro.accounts.models import User
from certipro.audit.models import AuditEntry
from certipro.directory.models import Professional
from certipro.notifications.kinds import OPTIONAL, Kind
from certipro.notifications.models import Notification, Preferences
from certipro.notifications.services import Notice, notify, unread_count
from certipro.space.models import Activation
from tests.space.test_actions_space import text


def signed_in(professional: Professional) -> Client:
    Activation.objects.get_or_create(professional=professional)
    client = Client()
    client.force_login(User.objects.create_user(professional.rpps, professional=professional))
    return client


def test_the_inbox_shows_my_messages_newest_first_and_marks_them_read(dr_martin: Professional) -> None:
    me = signed_in(dr_martin)
    notify(
        [
            Notice(
                dr_martin.pk,
                Kind.REMINDER,
                "reminder:1:36",
                {"months": 36, "end": "2031-12-31", "missing": 2, "missing_axes": {"2": 2}},
            )
        ]
    )
    assert unread_count(dr_martin.pk) == 2
    page = text(me.get("/mon-espace/notifications/"))
    assert page.index("Il reste 36 mois") < page.index("Votre compte de certification périodique est ouvert")
    assert page.count("Nouveau") == 2
    assert "axe 2 : 2" in page
    assert unread_count(dr_martin.pk) == 0
    assert "Nouveau" not in text(me.get("/mon-espace/notifications/"))


def test_nobody_else_sees_my_inbox(dr_martin: Professional, import_rows: Any) -> None:
    import_rows("10000000025,Bernard,Julien,,10,SM54,75,L,2010-06-01")
    bernard = signed_in(Professional.objects.get(rpps="10000000025"))
    page = text(bernard.get("/mon-espace/notifications/"))
    assert "Martin" not in page
    assert page.count("Voir dans mon espace") == 1  # Julien's own announcement, not Claire's
    staff = Client()
    staff.force_login(User.objects.create_user("agent", is_staff=True))
    assert staff.get("/mon-espace/notifications/").status_code == 404
    anonymous = Client().get("/mon-espace/notifications/")
    assert anonymous.status_code == 302 and "/mon-espace/connexion/" in anonymous["Location"]


def test_mark_all_read_is_a_post(dr_martin: Professional) -> None:
    me = signed_in(dr_martin)
    assert me.get("/mon-espace/notifications/tout-lu/").status_code == 405
    response = me.post("/mon-espace/notifications/tout-lu/", follow=True)
    assert "1 notification(s) marquée(s) comme lue(s)." in text(response)
    assert Notification.objects.filter(professional=dr_martin, read_at__isnull=True).count() == 0


def test_the_inbox_costs_the_same_queries_whatever_the_number_of_messages(dr_martin: Professional) -> None:
    me = signed_in(dr_martin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert me.get("/mon-espace/notifications/").status_code == 200
        return len(queries)

    def arrive(numbers: range) -> None:
        notify(
            Notice(dr_martin.pk, Kind.ACTION_RECEIVED, f"action:{i}", {"action_id": i, "declarant": "X"})
            for i in numbers
        )

    count()  # the first page of a process reads what it keeps (the DSFR configuration)
    arrive(range(1))  # each count with new messages to show (and mark read)
    few = count()
    arrive(range(1, 16))
    assert count() == few


def test_my_choices_are_saved_and_journaled(dr_martin: Professional) -> None:
    me = signed_in(dr_martin)
    page = text(me.get("/mon-espace/notifications/preferences/"))
    assert "L'annuaire indique l'adresse claire@example.org." in page
    response = me.post(
        "/mon-espace/notifications/preferences/",
        {"email": "claire.martin@cabinet.fr", "by_email": [Kind.AXIS_COMPLETED]},
        follow=True,
    )
    assert "Vos préférences de notification sont enregistrées." in text(response)
    prefs = Preferences.objects.get(professional=dr_martin)
    assert prefs.email == "claire.martin@cabinet.fr"
    assert sorted(prefs.email_declined) == sorted(k for k in OPTIONAL if k != Kind.AXIS_COMPLETED)
    entry = AuditEntry.objects.get(verb="notifications.preferences_changed")
    assert (
        entry.professional_id == dr_martin.pk and entry.data["after"]["email"] == "claire.martin@cabinet.fr"
    )


def test_a_bad_address_is_named_and_nothing_is_saved(dr_martin: Professional) -> None:
    me = signed_in(dr_martin)
    response = me.post("/mon-espace/notifications/preferences/", {"email": "claire@", "by_email": []})
    assert response.status_code == 200
    assert "Saisissez une adresse électronique valide, par exemple nom@domaine.fr." in text(response)
    assert not Preferences.objects.exists()


def test_a_mandatory_kind_cannot_be_declined(dr_martin: Professional) -> None:
    me = signed_in(dr_martin)
    response = me.post(
        "/mon-espace/notifications/preferences/", {"email": "", "by_email": [Kind.ACCOUNT_OPENED]}
    )
    assert response.status_code == 200  # not a choice offered: the form names the bad value
    assert "account_opened" in text(response)
    assert not Preferences.objects.exists()


def test_the_dashboard_tells_the_owner_of_unread_messages_and_staff_see_none(dr_martin: Professional) -> None:
    me = signed_in(dr_martin)
    page = text(me.get("/mon-espace/"))
    assert "Vous avez 1 nouvelle notification. Lire mes notifications" in page
    staff = Client()
    staff.force_login(User.objects.create_user("agent", is_staff=True))
    assert "nouvelle notification" not in text(staff.get("/mon-espace/professionnels/10000000017/"))
    me.get("/mon-espace/notifications/")
    assert "nouvelle notification" not in text(me.get("/mon-espace/"))
