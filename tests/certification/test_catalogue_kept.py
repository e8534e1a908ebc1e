"""`current_catalogue` (certification/catalogue.py): the catalogue a process keeps, read again as
soon as the published référentiels change, for one query while they do not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certipro.audit.journal import Actor
from certipro.certification.catalogue import current_catalogue
from certipro.entrypoints.referentiels import load_referentiel_files
from certipro.referentiels.models import Referentiel
from tests.conftest import TODAY
from tests.space.test_dashboard_queries import MG_NEXT


@pytest.mark.django_db
def test_the_kept_catalogue_follows_every_publication(
    referentiels: None, write_file: Callable[[str, str], Any]
) -> None:
    first = current_catalogue()
    with CaptureQueriesContext(connection) as captured:
        assert current_catalogue() is first
    assert len(captured) == 1  # the version only
    load_referentiel_files([write_file("mg2.yaml", MG_NEXT)], today=TODAY, actor=Actor.command("test"))
    published = current_catalogue()
    assert ("T-MG", "2026-06") in published.rules and ("T-MG", "2026-06") not in first.rules
    Referentiel.objects.filter(code="T-MG", version="2026-06").update(published_on=None)
    assert ("T-MG", "2026-06") not in current_catalogue().rules
