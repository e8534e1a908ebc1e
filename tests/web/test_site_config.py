"""The DSFR site configuration is read once a minute per process, and a save shows at once
(certipro/web/context_processors.py)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from dsfr.models import DsfrConfig

from certipro.web import context_processors


def config_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return sum("dsfr_dsfrconfig" in q["sql"] for q in captured.captured_queries)


def test_the_configuration_is_read_once_then_kept(db: None, client: Client) -> None:
    assert config_queries(client) == 2  # none in French, then none at all: as django-dsfr
    assert config_queries(client) == 0


def test_a_notice_saved_in_the_admin_shows_at_once(db: None, client: Client) -> None:
    client.get("/")
    DsfrConfig.objects.create(language="fr", notice_title="Maintenance ce soir à 22 h")
    assert "Maintenance ce soir à 22 h" in client.get("/").content.decode()


def test_other_processes_see_it_within_a_minute(db: None, client: Client, monkeypatch: Any) -> None:
    client.get("/")
    DsfrConfig.objects.create(language="fr", notice_title="Maintenance ce soir à 22 h")
    # Another process kept the old (empty) configuration: it reads again after SECONDS.
    now = context_processors.time.monotonic()
    context_processors._KEPT["fr"] = (now, None)
    assert "Maintenance" not in client.get("/").content.decode()
    monkeypatch.setattr(context_processors.time, "monotonic", lambda: now + context_processors.SECONDS + 1)
    assert "Maintenance ce soir à 22 h" in client.get("/").content.decode()


def test_a_new_configuration_shows_in_the_footer(db: None, client: Client) -> None:
    # The footer's title attribute names the site's title.
    for _ in range(2):
        assert "Titre du site à l'essai" not in client.get("/").content.decode()
    DsfrConfig.objects.create(language="fr", site_title="Titre du site à l'essai")
    assert "Titre du site à l&#x27;essai" in client.get("/").content.decode()
