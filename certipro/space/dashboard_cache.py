"""The owner's dashboard, kept rendered and served again while nothing it shows has changed.

Why: the page costs tens of milliseconds of Python (the rules engine, the catalogue, the DSFR
templates) and most visits re-read an account that has not changed since the last one. At
1.2 million professionals that is the difference between a few servers and many (docs/benchmarks.md).

How: one query (`page_facts`) reads what the page depends on, per table it reads: the rows
themselves where they are few (the professional, exercises with their profession's labels,
periods, holdings, exemptions), a count and the latest `updated_at` where they are many (actions),
the counts the page shows (unread notifications, open reports) and the catalogue's version. A page
that must be rendered is built from those same rows (`build_dashboard(page=…)`): one query serves
both the version and the page, which then reads only its actions. The digest of the rows read,
with the day (the pace and the time left move with it), the language, the path and the user, is
the page's version. The rendered page is kept under the person's key with that version; a visit
that computes another version renders again and replaces it. So no write path has to remember to
invalidate anything, COPY and set-based ones included: the data themselves say when the page is
stale.

Not in the digest, and bounded by `CERTIPRO_DASHBOARD_CACHE_SECONDS` instead: the specialties'
labels and the DSFR site configuration, both edited by administrators, rarely. A new release
changes `release()` (the digest of the templates, the code and the English catalogue), so no page
of an older release is served after a deploy. Whoever adds to the page a fact from another table adds
it to `_sql` too, with a test in tests/space/test_dashboard_cache.py (decision 0005).

Two parts of a page belong to the request, not to the account: the CSRF token (one per browser)
is left as a slot and filled on each visit; pages with a flash message are rendered, never kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import weakref
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from certipro.accounts.models import User
from certipro.certification.models import Exemption, Period
from certipro.directory.models import Exercise, Holding, Profession, Professional
from certipro.space.models import ReportState

CACHE_ALIAS = "default"
logger = logging.getLogger(__name__)
KEY = "space:dashboard:{}"
# What the template writes for the CSRF token; each visit gets its own masked token there.
CSRF_SLOT = "cpcsrfslot0c2b7e4d"
ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class PageFacts:
    activated: bool
    unread_notifications: int
    open_reports: int
    catalogue: str  # the published référentiels' version: their count and latest load
    version: str  # the digest of every fact read; equal versions, equal pages
    # The rows read, as (unsaved) model instances: the page is built from them, not read again.
    professional: Professional
    exercises: list[Exercise]  # by profession, each with its profession's labels
    periods: dict[int, list[Period]] = field(default_factory=dict)  # by exercise id
    holdings: dict[int, list[Holding]] = field(default_factory=dict)
    exemptions: dict[int, list[Exemption]] = field(default_factory=dict)


WIDTH = 7  # the texts of a row after its tag


@cache
def _sql() -> str:
    from certipro.actions.models import Action
    from certipro.notifications.models import Notification
    from certipro.referentiels.models import Referentiel
    from certipro.space.models import Activation, ExerciseReport

    q = connection.ops.quote_name

    def t(model: type) -> str:
        return q(model._meta.db_table)  # type: ignore[attr-defined]

    def text(expression: str) -> str:
        return f"CAST({expression} AS TEXT)"

    def select(tag: str, *texts: str) -> str:
        return f"SELECT '{tag}', " + ", ".join([*texts, *["''"] * (WIDTH - len(texts))])

    def day(column: str) -> str:  # a nullable date: '' for none
        return f"COALESCE({text(q(column))}, '')"

    # One row shape for all: a tag, then seven texts. Each part reads by an indexed professional_id.
    # The rows the page is built from are read whole (professional, exercises, periods, holdings,
    # exemptions: a few each); the tables with many rows give a count and their latest change.
    parts = [
        select("o", text("updated_at"), "rpps", "first_name", "last_name")
        + f" FROM {t(Professional)} WHERE id = %(p)s",
        select("v", text("COUNT(*)")) + f" FROM {t(Activation)} WHERE professional_id = %(p)s",
        select(
            "e",
            text("e.id"),
            "e.profession_id",
            "f.label",
            "f.label_en",
            text("e.specialties"),
            text("e.updated_at"),
        )
        + f" FROM {t(Exercise)} e JOIN {t(Profession)} f ON f.code = e.profession_id"
        " WHERE e.professional_id = %(p)s",
        select(
            "p",
            text("id"),
            text("exercise_id"),
            text("start"),
            text(q("end")),
            text("scheduled_end"),
            "state",
            "kind",
        )
        + f" FROM {t(Period)} WHERE professional_id = %(p)s",
        select(
            "h",
            text("id"),
            text("exercise_id"),
            text("start"),
            day("end"),
            text("specialties"),
            "chosen_referentiel",
        )
        + f" FROM {t(Holding)} WHERE professional_id = %(p)s",
        select("x", text("id"), text("exercise_id"), text("axis"), text("start"), day("end"))
        + f" FROM {t(Exemption)} WHERE professional_id = %(p)s",
        select("a", text("COUNT(*)"), text("MAX(updated_at)"), text("MAX(id)"))
        + f" FROM {t(Action)} WHERE professional_id = %(p)s",
        select("n", text("COUNT(*)"))
        + f" FROM {t(Notification)} WHERE professional_id = %(p)s AND read_at IS NULL",
        select("r", text("COUNT(*)"))
        + f" FROM {t(ExerciseReport)} WHERE professional_id = %(p)s AND state = %(open)s",
        select("c", text("COUNT(*)"), text("MAX(loaded_at)"))
        + f" FROM {t(Referentiel)} WHERE published_on IS NOT NULL",
    ]
    return " UNION ALL ".join(parts)


def page_facts(professional_id: int) -> PageFacts:
    """One query: whether the account is activated, the version of what its page shows, and the
    rows the page is built from."""
    with connection.cursor() as cursor:
        _execute(cursor, {"p": professional_id, "open": ReportState.OPEN.value})
        rows = sorted(tuple("" if v is None else str(v) for v in row) for row in cursor.fetchall())
    counts = {r[0]: int(r[1]) for r in rows if r[0] in "vnr"}
    digest = hashlib.blake2b(repr((professional_id, rows)).encode(), digest_size=16).hexdigest()
    return PageFacts(
        activated=counts["v"] > 0,
        unread_notifications=counts["n"],
        open_reports=counts["r"],
        catalogue=next("|".join(r[1:3]) for r in rows if r[0] == "c"),
        version=digest,
        **_objects(professional_id, rows),
    )


# On PostgreSQL with persistent connections (CERTIPRO_DB_CONN_MAX_AGE), a statement prepared once
# per connection: planning the query's eleven parts cost the database ~0.3 ms at every visit, more
# than running them (EXPLAIN ANALYZE: planning 0.31 ms, execution 0.18 ms). A prepared statement
# lives as long as its session, rolled-back transactions included; a new connection (a new object
# here) prepares it again. With a connection per request, preparing would only add a round trip.
_STATEMENT = "certipro_page_facts"
_PREPARED: weakref.WeakSet[Any] = weakref.WeakSet()


def _execute(cursor: Any, params: dict[str, Any]) -> None:
    if connection.vendor != "postgresql" or connection.settings_dict["CONN_MAX_AGE"] == 0:
        cursor.execute(_sql(), params)
        return
    session = connection.connection
    if session not in _PREPARED:
        positional = _sql().replace("%(p)s", "$1").replace("%(open)s", "$2")
        cursor.execute(f"PREPARE {_STATEMENT}(bigint, text) AS {positional}")
        _PREPARED.add(session)
    cursor.execute(f"EXECUTE {_STATEMENT}(%(p)s, %(open)s)", params)


def _objects(professional_id: int, rows: list[tuple[str, ...]]) -> dict[str, Any]:
    """The rows of `_sql` as the model instances the page reads (never saved)."""
    day = date.fromisoformat

    def optional_day(value: str) -> date | None:
        return day(value) if value else None

    professional = Professional(id=professional_id)
    exercises: list[Exercise] = []
    # Periods, holdings and exemptions, by exercise id.
    by_exercise: dict[str, dict[int, list[Any]]] = {"p": {}, "h": {}, "x": {}}
    for tag, a, b, c, d, e, f, g in rows:
        if tag == "o":
            professional.rpps, professional.first_name, professional.last_name = b, c, d
        elif tag == "e":
            exercises.append(
                Exercise(
                    id=int(a),
                    professional=professional,  # filled in by its own row ("o")
                    profession=Profession(code=b, label=c, label_en=d),
                    specialties=json.loads(e),
                )
            )
        elif tag in by_exercise:
            ids = {"id": int(a), "professional_id": professional_id, "exercise_id": int(b)}
            row: Period | Holding | Exemption
            if tag == "p":
                row = Period(**ids, start=day(c), end=day(d), scheduled_end=day(e), state=f, kind=g)
            elif tag == "h":
                row = Holding(
                    **ids, start=day(c), end=optional_day(d), specialties=json.loads(e), chosen_referentiel=f
                )
            else:
                row = Exemption(**ids, axis=int(c), start=day(d), end=optional_day(e))
            by_exercise[tag].setdefault(int(b), []).append(row)
    return {
        "professional": professional,
        "exercises": sorted(exercises, key=lambda x: x.profession_id),
        "periods": by_exercise["p"],
        "holdings": by_exercise["h"],
        "exemptions": by_exercise["x"],
    }


@cache
def release() -> str:
    """The digest of what renders the page besides the data: the templates, the code (labels,
    template tags such as the action rows' write HTML too), the English catalogue, and the
    locked dependencies (django-dsfr's own templates change with its version)."""
    digest = hashlib.blake2b(digest_size=12)
    sources = [
        *sorted(ROOT.glob("certipro/*/templates/**/*.html")),
        *sorted(ROOT.glob("certipro/**/*.py")),
        *sorted(ROOT.glob("locale/*/LC_MESSAGES/*.mo")),
        *sorted(ROOT.glob("requirements/lock.txt")),
    ]
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _version(request: HttpRequest, facts: PageFacts, today: date) -> str:
    user = request.user
    assert isinstance(user, User)
    who = (user.pk, user.is_staff, user.is_active)
    return f"{release()}:{facts.version}:{today.isoformat()}:{get_language()}:{who}:{request.get_full_path()}"


def seconds() -> int:
    return int(settings.CERTIPRO_DASHBOARD_CACHE_SECONDS)


def serve(
    request: HttpRequest,
    professional_id: int,
    facts: PageFacts,
    today: date,
    render: Callable[[str | None], HttpResponse],
) -> HttpResponse:
    """The kept page if its version is current; else `render(CSRF_SLOT)` kept for the next visit.

    `render(slot)` renders the page with `slot` for the CSRF token (or the real token when None).
    """
    if seconds() <= 0 or len(messages.get_messages(request)):
        return render(None)
    key = KEY.format(professional_id)
    version = _version(request, facts, today)
    kept = _cache_call("get", key)
    if kept is not None and kept[0] == version:
        html = zlib.decompress(kept[1]).decode()
        return HttpResponse(html.replace(CSRF_SLOT, get_token(request)))
    response = render(CSRF_SLOT)
    if response.status_code == 200 and not response.streaming:
        html = response.content.decode()
        _cache_call("set", key, (version, zlib.compress(html.encode(), 1)), seconds())
        response.content = html.replace(CSRF_SLOT, get_token(request)).encode()
    return response


def _cache_call(method: str, *args: Any) -> Any:
    """The cache is an accelerator: when it fails (Redis down), the page is rendered, not a 500."""
    try:
        return getattr(caches[CACHE_ALIAS], method)(*args)
    except Exception:  # the redis client's errors are not Django's: any failure means "no cache"
        logger.warning("dashboard cache unavailable (%s)", method, exc_info=True)
        return None
