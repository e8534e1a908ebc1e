"""The owner's dashboard, kept rendered while nothing it shows has changed (decision 0005).

`read_visit` is one ORM query: the professional (the page's name and RPPS, and their own
`updated_at`: a name from the directory) with the latest `updated_at` of their status snapshots,
the unread notifications, the open reports and the activation. Every write that changes what the
page shows refreshes the period's snapshot in its transaction (design.md: the entry points record
or correct an action, change its state, end a period, choose a référentiel, import the directory,
publish a référentiel; the nightly `recompute_status`), so the latest refresh moves with each of
them. With the day (the days left move with it), the language, the user and the release
(`settings.CERTIPRO_RELEASE`: a deploy never serves a page of the previous code), that is the
page's version. The page is kept in Django's cache under the professional's key with its version:
a visit that reads another version renders the page and replaces it. No write path invalidates
anything. What the version cannot see (the nomenclatures' labels, the DSFR site configuration) is
bounded by `CERTIPRO_DASHBOARD_CACHE_SECONDS`.

A write that changes the page without refreshing a snapshot breaks the design's rule; a fact
shown on the page from another table belongs in `read_visit`, with a test in
tests/space/test_dashboard_cache.py.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import DateTimeField, Exists, F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from certipro.accounts.models import User
from certipro.certification.models import StatusSnapshot
from certipro.directory.models import Professional
from certipro.notifications.models import Notification
from certipro.space.models import Activation, ExerciseReport, ReportState

logger = logging.getLogger(__name__)
KEY = "space:dashboard:{}"
# A CSRF token is each browser's own, and a kept page is served to every browser of its owner.
# The page is therefore rendered with this placeholder as its `csrf_token` (the view's context
# wins over the context processor's) and each response gets the current request's token in its
# place (`respond`). One placeholder, replaced in one place.
CSRF_PLACEHOLDER = "cp-csrf-placeholder-5b1e0c"


@dataclass(frozen=True)
class Visit:
    professional: Professional
    activated: bool
    unread_notifications: int
    open_reports: int
    facts: tuple[Any, ...]  # what the page's version is made of


def _scalar(rows: QuerySet[Any], function: str, column: str) -> Subquery:
    """COUNT or MAX of `column` over `rows`, as a subquery of one value."""
    output = IntegerField() if function == "COUNT" else DateTimeField()
    value = Func(F(column), function=function, output_field=output)
    return Subquery(rows.order_by().annotate(value=value).values("value"))


ANNOTATIONS = ("v_activated", "v_unread", "v_open_reports", "v_snapshots")


@cache
def _visits() -> QuerySet[Professional]:
    """The query's shape, built once per process: building its subqueries cost more than running
    them (on SQLite, 2.4 ms a visit built each time, 0.6 ms reused; a plain `get`: 0.3 ms). A
    queryset is cloned by each `.get()`, never changed: one serves every thread."""
    mine = {"professional_id": OuterRef("pk")}
    return Professional.objects.annotate(
        # v_: apart from the model's fields and relations.
        v_activated=Exists(Activation.objects.filter(**mine)),
        v_unread=_scalar(Notification.objects.filter(**mine, read_at__isnull=True), "COUNT", "pk"),
        v_open_reports=_scalar(ExerciseReport.objects.filter(**mine, state=ReportState.OPEN), "COUNT", "pk"),
        v_snapshots=_scalar(StatusSnapshot.objects.filter(**mine), "MAX", "updated_at"),
    )


def read_visit(professional_id: int) -> Visit:
    """One query, by the indexed professional id of each table."""
    row = _visits().get(pk=professional_id)
    read = {name: getattr(row, name) for name in ANNOTATIONS}  # unknown to the type checker
    return Visit(
        professional=row,
        activated=bool(read["v_activated"]),
        unread_notifications=read["v_unread"] or 0,
        open_reports=read["v_open_reports"] or 0,
        facts=(row.updated_at, *read.values()),
    )


def seconds() -> int:
    return int(settings.CERTIPRO_DASHBOARD_CACHE_SECONDS)


def version(visit: Visit, user: User, today: date) -> str:
    facts = (visit.facts, today.isoformat(), get_language(), user.pk, user.is_staff)
    digest = hashlib.blake2b(repr(facts).encode(), digest_size=16).hexdigest()
    return f"{settings.CERTIPRO_RELEASE}:{digest}"


def kept(professional_id: int, current: str) -> str | None:
    """The kept page of this professional if it is of the `current` version."""
    entry = _cache_call("get", KEY.format(professional_id))
    if entry is None or entry[0] != current:
        return None
    return zlib.decompress(entry[1]).decode()


def keep(professional_id: int, current: str, html: str) -> None:
    # zlib level 1: a 28 KB page is ~6.5 KB in Redis, one entry per professional at most.
    _cache_call("set", KEY.format(professional_id), (current, zlib.compress(html.encode(), 1)), seconds())


def respond(html: str, request: HttpRequest) -> HttpResponse:
    """The page with the current request's CSRF token in place of the placeholder."""
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def _cache_call(method: str, *args: Any) -> Any:
    """The cache is an accelerator: when it fails (Redis down), the page is rendered, not a 500."""
    try:
        return getattr(caches["default"], method)(*args)
    except Exception:  # the redis client's errors are not Django's: any failure means "no cache"
        logger.warning("dashboard cache unavailable (%s)", method, exc_info=True)
        return None
