"""The DSFR site configuration (`dsfr.models.DsfrConfig`), as django-dsfr's own context processor
gives it, but read at most once a minute per process and language instead of twice per page.

Why: every page of the site rendered it with two queries (docs/benchmarks.md, the dashboard's
profile). It is edited in the admin, rarely (a notice banner, mourning): a minute's delay is fine.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from dsfr.models import DsfrConfig

SECONDS = 60.0
_KEPT: dict[str, tuple[float, DsfrConfig | None]] = {}


def site_config(request: HttpRequest) -> dict[str, Any]:
    language = get_language()
    now = time.monotonic()
    kept = _KEPT.get(language)
    if kept is None or now - kept[0] > SECONDS:
        # As django-dsfr: the configuration in the page's language, else the first one.
        config = DsfrConfig.objects.filter(language=language).first() or DsfrConfig.objects.first()
        kept = _KEPT[language] = (now, config)
    return {"SITE_CONFIG": kept[1]}


def forget() -> None:
    """Drops what this process keeps (on a save in the admin: apps.py; tests)."""
    _KEPT.clear()
