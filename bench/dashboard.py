"""The professional's dashboard under load, as a ratio to a minimal authenticated view.

    python -m bench.dashboard [--sessions 2000] [--duration 20] [--repeat 3] [--clients 8]
                              [--workers 2] [--threads 4] [--profile 200] [--what-if 200] [--json FILE]
    python -m bench.dashboard --cleanup-only

On the database the generator filled (`DATABASE_URL`), in one run:

1. `--sessions` random professionals with a current period, who have no user yet, get what their
   first sign-in through Pro Santé Connect and the activation would have given them (a `User`
   linked to the professional, without a usable password; an `Activation` with their exercises),
   and a signed-in session written directly in `django_session`, as `Client.force_login` does
   (`_auth_user_id`, `_auth_user_backend`, `_auth_user_hash`). No audit entry is written (the
   journal is append-only), so nothing here is left behind: `cleanup` removes the users, their
   activations and the sessions (run first, last, and alone with `--cleanup-only`).
2. The SQL queries of one baseline page and of one dashboard page, the latter twice: rendered (the
   cache emptied first) and kept (`certipro/space/dashboard_cache.py`: the version, read in
   one query, unchanged since the last visit), counted in this process with
   `CaptureQueriesContext` through the whole middleware stack (same settings as the server).
3. Two gunicorn servers (`bench.wsgi`: the project's settings and URLconf plus the baseline view of
   `bench.urls`), DEBUG off, gthread workers, persistent database connections, the cache in Redis
   (`--cache`, a database of its own, emptied before and after) as in production: the first as
   configured, serving the baseline and the dashboard; the second the same but with
   `CERTIPRO_DASHBOARD_CACHE_SECONDS=0`, so that every dashboard is rendered (the worst case: each
   visit follows a change of the account). `bench.http_load` sends GET requests with each
   person's session cookie from `--clients` processes on keep-alive connections; every answer must
   be a 200 holding "Ma certification périodique" and the person's own "RPPS …", or it counts as a
   failure. A warm-up pass asks each view once per session (so the first server keeps every
   page); then `--repeat` rounds of `--duration` seconds each, the three views in turn (the order
   changes every round).
4. Requests/s of each round, medians, the ratios dashboard / baseline (kept and rendered), p50/p95
   latencies, and the CPU the gunicorn workers and the PostgreSQL backends used per request.
5. `--profile N`, after the servers are stopped: N requests of each view through Django in this
   process (no HTTP), timed; the rendered dashboard's parts timed by wrappers and its queries by
   table; then the same N rendered dashboards under cProfile: where a rendering's time goes.
6. `--what-if N`: N rendered dashboards in this process with `build_dashboard` cached per person,
   by replacing it with `unittest.mock` here only: what is left of a rendering besides its data.

The baseline (`bench.urls.baseline`): same server, same middleware, same session cookie, so the
same session and user queries; then one indexed query (the status snapshots of the signed-in
professional, by `professional_id`, joined to the professional for the RPPS) and ~150 bytes of
HTML without a template.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import http_load

ROOT = Path(__file__).resolve().parent.parent
USER_PREFIX = "bench-dashboard-"  # the username of every user this benchmark creates
SESSION_PREFIX = "benchdash"  # the start of every session key it writes (32 chars in all)
DASHBOARD_PATH = "/mon-espace/"
APPLICATION_NAME = "bench.dashboard"  # of the server's database connections
QUERY_SAMPLE = 50  # people whose dashboard's queries are counted in-process
BASELINE_PATH = "/bench/baseline/"  # bench.urls.BASELINE_PATH (not imported: no Django before setup)
HEADING = "Ma certification périodique".encode()
# A Redis database for the kept dashboards of the run alone: it is emptied before and after.
DEFAULT_CACHE = "redis://127.0.0.1:6379/3"
TABLE = re.compile(r'\bFROM "?(\w+)"?|\b(?:INSERT INTO|UPDATE) "?(\w+)"?', re.IGNORECASE)
SUBQUERY = re.compile(r"\([^()]*\)")
# Where a dashboard request's time goes: (end of the file's path, function) -> what it is.
PARTS = {
    ("django/core/handlers/base.py", "get_response"): "the request through Django, in all",
    ("django/contrib/sessions/backends/db.py", "load"): "session: read and decode",
    ("django/contrib/auth/__init__.py", "get_user"): "user: read, check the session hash",
    ("certipro/space/views.py", "dashboard"): "the view, in all",
    ("certipro/space/access.py", "own_professional"): "the professional (user.professional)",
    ("certipro/space/dashboard.py", "build_dashboard"): "build_dashboard, in all",
    (
        "certipro/certification/catalogue.py",
        "kept_catalogue",
    ): "  the catalogue (kept per process)",
    ("certipro/certification/evaluation.py", "evaluate_exercises"): "  evaluate_exercises, in all",
    ("certipro/certification/rules/counting.py", "evaluate"): "    the engine: evaluate",
    ("certipro/certification/rules/applicability.py", "assignment_timeline"): "    the engine: timeline",
    ("certipro/space/dashboard.py", "_kept_referentiels"): "  référentiels in force, their types",
    ("certipro/space/dashboard.py", "_section"): "  arrange each section (status_object, rows)",
    ("django/shortcuts.py", "render"): "render the template, in all",
    ("certipro/web/context_processors.py", "site_config"): "  DSFR site configuration",
    ("django/db/models/base.py", "__init__"): "model instances built (Model.__init__)",
}


@dataclass(frozen=True)
class Person:
    professional_id: int
    rpps: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class Account:
    professional_id: int
    rpps: str
    user_id: int
    session_key: str


# --- Users, activations and sessions ---


def sample_people(count: int, *, rng: random.Random, today: date) -> list[Person]:
    """`count` random professionals with a period holding on `today`, no user and no activation."""
    from django.db.models import Exists, OuterRef

    from certipro.certification.models import Period
    from certipro.directory.models import Professional

    bounds = Professional.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None or high is None:
        return []
    population = range(low, high + 1)
    current = Period.objects.filter(professional_id=OuterRef("pk"), start__lte=today, end__gte=today)
    people: dict[int, Person] = {}
    for _ in range(20):
        wanted = count - len(people)
        if wanted <= 0:
            break
        ids = [i for i in rng.sample(population, min(len(population), 2 * wanted + 10)) if i not in people]
        found = {
            row[0]: Person(*row)
            for row in Professional.objects.filter(pk__in=ids, user__isnull=True, activation__isnull=True)
            .filter(Exists(current))
            .values_list("pk", "rpps", "first_name", "last_name")
        }
        for i in ids:  # in the random order drawn
            if i in found and len(people) < count:
                people[i] = found[i]
    return list(people.values())


def create_accounts(people: Sequence[Person]) -> list[Account]:
    """Users, activations and signed-in sessions for `people`, as their sign-in would leave them."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from certipro.accounts.models import User
    from certipro.directory.models import Exercise
    from certipro.space.models import Activation

    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        raise RuntimeError(f"sessions are written in django_session, not for {settings.SESSION_ENGINE}")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    backend = settings.AUTHENTICATION_BACKENDS[0]
    ids = [p.professional_id for p in people]
    confirmed: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for professional_id, profession, specialties in (
        Exercise.objects.filter(professional_id__in=ids, is_active=True)
        .order_by("professional_id", "profession_id")
        .values_list("professional_id", "profession_id", "specialties")
    ):
        confirmed[professional_id].append({"profession": profession, "specialties": list(specialties)})
    expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=USER_PREFIX + p.rpps,
                    first_name=p.first_name[:150],
                    last_name=p.last_name[:150],
                    professional_id=p.professional_id,
                    password=make_password(None),  # unusable: professionals sign in through PSC only
                )
                for p in people
            ],
            batch_size=1000,
        )
        Activation.objects.bulk_create(
            [Activation(professional_id=i, confirmed=confirmed[i]) for i in ids], batch_size=1000
        )
        accounts, sessions = [], []
        for person, user in zip(people, users, strict=True):
            key = SESSION_PREFIX + get_random_string(32 - len(SESSION_PREFIX), VALID_KEY_CHARS)
            data = {
                SESSION_KEY: user._meta.pk.value_to_string(user),
                BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
            accounts.append(Account(person.professional_id, person.rpps, user.pk, key))
        Session.objects.bulk_create(sessions, batch_size=1000)
    return accounts


def cleanup(log: Callable[[str], Any] = print) -> dict[str, int]:
    """Removes every user, activation and session this benchmark created. Idempotent."""
    from django.contrib.sessions.models import Session
    from django.db import transaction

    from certipro.accounts.models import User
    from certipro.space.models import Activation

    with transaction.atomic():
        users = User.objects.filter(username__startswith=USER_PREFIX)
        removed = {
            "sessions": Session.objects.filter(session_key__startswith=SESSION_PREFIX).delete()[0],
            "activations": Activation.objects.filter(
                professional_id__in=users.exclude(professional=None).values("professional_id")
            ).delete()[0],
            "users": users.count(),
        }
        users.delete()
    if any(removed.values()):
        log(f"cleanup: removed {removed}")
    return removed


def counts() -> dict[str, int]:
    """What the benchmark touches, to check it leaves the database as it found it."""
    from django.contrib.sessions.models import Session

    from certipro.accounts.models import User
    from certipro.audit.models import AuditEntry
    from certipro.space.models import Activation

    return {
        "users": User.objects.count(),
        "activations": Activation.objects.count(),
        "sessions": Session.objects.count(),
        "audit_entries": AuditEntry.objects.count(),
    }


# --- In this process: queries per page, profile ---


def _client(account: Account) -> Any:
    from django.conf import settings
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = account.session_key
    return client


def _tables(sql: str) -> str:
    """The table a query reads (or writes), outside its subqueries."""
    outer, previous = sql, ""
    while outer != previous:
        outer, previous = SUBQUERY.sub("", outer), outer
    tables = [a or b for a, b in TABLE.findall(outer)]
    return tables[0] if tables else sql.split(None, 1)[0].upper()


def check_page(body: bytes, account: Account) -> bool:
    return HEADING in body and f"RPPS {account.rpps}".encode() in body


def count_queries(path: str, account: Account, *, rendered: bool = False) -> dict[str, Any]:
    """The SQL queries of one request to `path` as `account`, through the whole middleware stack;
    with `rendered`, the kept pages are dropped first (the dashboard is rendered, not kept)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(account)
    client.get(path)  # a first request opens the connection and fills the process's caches
    if rendered:
        cache.clear()  # the bench's own cache database (--cache)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200 or not check_page(response.content, account):
        raise RuntimeError(f"{path} as {account.rpps}: {response.status_code} {response.content[:300]!r}")
    return {
        "queries": len(captured),
        "by_table": dict(Counter(_tables(q["sql"]) for q in captured.captured_queries)),
        "bytes": len(response.content),
    }


@contextmanager
def timed_queries() -> Iterator[dict[str, list[float]]]:
    """Every query of the block timed (seconds), by its first table."""
    from django.db import connection

    times: dict[str, list[float]] = defaultdict(list)

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times[_tables(sql)].append(time.perf_counter() - began)

    with connection.execute_wrapper(timed):
        yield times


# Wrapped in this process only (unittest.mock), to time them without a profiler: (module, name) -> label.
TIMED = {
    ("django.contrib.sessions.backends.db", "SessionStore.load"): "session: read and decode",
    ("django.contrib.auth", "get_user"): "user: read, check the session hash",
    ("certipro.space.views", "build_dashboard"): "build_dashboard, in all",
    ("certipro.space.dashboard", "kept_catalogue"): "  the catalogue (kept per process)",
    ("certipro.space.dashboard", "current_periods"): "  periods and their status snapshots",
    (
        "certipro.space.dashboard",
        "evaluate_exercises",
    ): "  evaluate_exercises (the D-23 lists, on the rows read)",
    ("certipro.space.dashboard", "_kept_referentiels"): "  référentiels in force and their types (kept)",
    ("certipro.space.dashboard", "_section"): "  arrange each section",
    ("certipro.space.views", "render"): "render the page (context processors, template)",
}


@contextmanager
def timed_calls() -> Iterator[dict[str, list[float]]]:
    """The functions of TIMED wrapped with a timer (inclusive wall time of each call)."""
    from contextlib import ExitStack
    from importlib import import_module
    from unittest import mock

    times: dict[str, list[float]] = defaultdict(list)

    def wrap(function: Callable[..., Any], label: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                times[label].append(time.perf_counter() - began)

        return timed

    with ExitStack() as stack:
        for (module_name, name), label in TIMED.items():
            owner: Any = import_module(module_name)
            *path, attribute = name.split(".")
            for part in path:
                owner = getattr(owner, part)
            stack.enter_context(mock.patch.object(owner, attribute, wrap(getattr(owner, attribute), label)))
        yield times


def profile(accounts: Sequence[Account], n: int) -> dict[str, Any]:
    """`n` requests of each view through the WSGI handler in this process, one after the other:
    wall time per request (no profiler; the best of two passes, alternating); then the dashboard's
    parts timed by wrappers and its queries by table (no profiler); then the dashboard under cProfile."""
    sample = list(accounts[:n])
    clients = [_client(a) for a in sample]

    def requests(path: str, check: bool = True) -> float:
        began = time.perf_counter()
        for client, account in zip(clients, sample, strict=True):
            response = client.get(path)
            if check and (response.status_code != 200 or not check_page(response.content, account)):
                raise RuntimeError(f"{path} as {account.rpps}: {response.status_code}")
        return (time.perf_counter() - began) / len(sample)

    wall: dict[str, float] = {}
    requests(DASHBOARD_PATH)  # every page kept
    for path in (BASELINE_PATH, DASHBOARD_PATH, BASELINE_PATH, DASHBOARD_PATH):
        wall[path] = min(wall.get(path, float("inf")), requests(path))
    with rendering():
        for _ in range(2):
            wall["rendered"] = min(wall.get("rendered", float("inf")), requests(DASHBOARD_PATH))
        with timed_calls() as calls, timed_queries() as times:
            timed_total = requests(DASHBOARD_PATH)
        query_time = {t: (len(v) / len(sample), sum(v) / len(sample)) for t, v in times.items()}
        profiler = cProfile.Profile()
        profiler.enable()
        requests(DASHBOARD_PATH, check=False)
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(tt for _, _, tt, _, _ in stats.stats.values())  # type: ignore[attr-defined]
    parts: dict[str, float] = defaultdict(float)
    for (file, _, function), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        for (suffix, name), label in PARTS.items():
            if function == name and file.endswith(suffix):
                parts[label] += cumulative / len(sample)
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(25)
    return {
        "requests": len(sample),
        "wall_ms": {
            "baseline": round(wall[BASELINE_PATH] * 1000, 2),
            "dashboard": round(wall[DASHBOARD_PATH] * 1000, 2),
            "ratio": round(wall[BASELINE_PATH] / wall[DASHBOARD_PATH], 3),
            "dashboard_rendered": round(wall["rendered"] * 1000, 2),
            "ratio_rendered": round(wall[BASELINE_PATH] / wall["rendered"], 3),
        },
        "timed_ms": {
            "request, in all": round(timed_total * 1000, 2),
            **{label: round(sum(calls.get(label, [])) * 1000 / len(sample), 2) for label in TIMED.values()},
        },
        "queries_ms": {
            t: {"per_request": round(c, 2), "ms": round(s * 1000, 2)}
            for t, (c, s) in sorted(query_time.items(), key=lambda kv: -kv[1][1])
        },
        "queries_ms_total": round(sum(s for _, s in query_time.values()) * 1000, 2),
        "profiled_ms_per_request": round(total * 1000 / len(sample), 2),
        "profiled_parts_ms": {label: round(parts.get(label, 0.0) * 1000, 2) for label in PARTS.values()},
        "top": buffer.getvalue(),
    }


def rendering() -> Any:
    """In this process, every dashboard rendered (none kept), as on the second server."""
    from django.test.utils import override_settings

    return override_settings(CERTIPRO_DASHBOARD_CACHE_SECONDS=0)


def what_if(accounts: Sequence[Account], n: int, repeat: int = 3) -> dict[str, dict[str, float]]:
    """In this process only, the rendered dashboard with `build_dashboard` cached per person (the
    function replaced with `unittest.mock`, the application's code untouched): what is left of a
    rendering once its data are at hand — the templates — in ms per page (the best of `repeat`
    passes over `n` people, alternating) and as a ratio to the baseline."""
    from unittest import mock

    import certipro.space.views as views_module

    sample = list(accounts[:n])
    clients = [_client(a) for a in sample]

    def per_page(path: str) -> float:
        began = time.perf_counter()
        for client in clients:
            client.get(path)
        return (time.perf_counter() - began) / len(clients)

    built = views_module.build_dashboard
    known: dict[Any, Any] = {}

    def same_dashboard(professional: Any, **kwargs: Any) -> Any:
        key = (professional.pk, kwargs["today"], kwargs["owner"])  # the page's facts hold lists
        if key not in known:
            known[key] = built(professional, **kwargs)
        return known[key]

    dashboard_kept = mock.patch.object(views_module, "build_dashboard", same_dashboard)
    per_page(BASELINE_PATH)
    best: dict[str, float] = {}
    with rendering():
        with dashboard_kept:
            per_page(DASHBOARD_PATH)  # fills the per-person cache outside the timings
        for _ in range(repeat):
            best[BASELINE_PATH] = min(best.get(BASELINE_PATH, float("inf")), per_page(BASELINE_PATH))
            best["rendered, as it is"] = min(
                best.get("rendered, as it is", float("inf")), per_page(DASHBOARD_PATH)
            )
            with dashboard_kept:
                name = "rendered, build_dashboard cached per person"
                best[name] = min(best.get(name, float("inf")), per_page(DASHBOARD_PATH))
    baseline = best.pop(BASELINE_PATH)
    return {
        "baseline": {"ms": round(baseline * 1000, 2), "ratio": 1.0},
        **{name: {"ms": round(ms * 1000, 2), "ratio": round(baseline / ms, 3)} for name, ms in best.items()},
    }


# --- The server ---


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(conn_max_age: int, cache_url: str = "", **extra: str) -> dict[str, str]:
    """Production-like settings (docs/environment.md): DEBUG off, a secret key, the hosts listed,
    persistent database connections, the cache in Redis."""
    env = {k: v for k, v in os.environ.items() if k != "CERTIPRO_DEV_PSC"}  # refused without debug
    url = env.get("DATABASE_URL", "")
    if url.startswith("postgres") and "application_name=" not in url:
        # The server's connections are named, so that their backends' CPU can be told from others'.
        env["DATABASE_URL"] = url + ("&" if "?" in url else "?") + f"application_name={APPLICATION_NAME}"
    env.update(
        {
            "CERTIPRO_DEBUG": "0",
            "CERTIPRO_SECRET_KEY": os.environ.get("CERTIPRO_SECRET_KEY", "bench-dashboard-" + "x" * 40),
            "CERTIPRO_ALLOWED_HOSTS": "127.0.0.1",
            "CERTIPRO_DB_CONN_MAX_AGE": str(conn_max_age),
            "CERTIPRO_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CERTIPRO_REDIS_URL": cache_url,
            **extra,
        }
    )
    return env


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


class Server:
    """gunicorn serving `bench.wsgi:application` on 127.0.0.1 with gthread workers, in its own process."""

    def __init__(
        self,
        *,
        workers: int,
        threads: int,
        conn_max_age: int,
        port: int = 0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        # The server's log, kept after the run (its name is printed if it fails to start).
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed by stop())
            prefix="bench-dashboard-gunicorn-", suffix=".log", delete=False
        )
        command = [
            sys.executable, "-m", "gunicorn", "bench.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
            "--keep-alive", "75",  # longer than any pause between rounds: connections are reused
            "--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env or server_environment(conn_max_age),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            if self._answers() and len(self.workers()) == workers:
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not start: {Path(self.log.name).read_text()[-2000:]}")
            time.sleep(0.3)

    def _answers(self) -> bool:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", BASELINE_PATH)  # not signed in: Django answers 404
            return connection.getresponse().status == 404
        except OSError:
            return False
        finally:
            connection.close()

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """User + system CPU of each process (those that are gone are left out)."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return seconds


def database_backends() -> list[int]:
    """The PostgreSQL backends of the server's connections (by their application name)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = %s AND pid <> pg_backend_pid()",
            [APPLICATION_NAME],
        )
        return [pid for (pid,) in cursor.fetchall()]


def used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[p] - before[p] for p in after if p in before)


# --- The run ---


def targets(path: str, accounts: Sequence[Account], cookie: str) -> list[http_load.Target]:
    return [
        http_load.Target(path, {"Cookie": f"{cookie}={a.session_key}"}, f"RPPS {a.rpps}".encode())
        for a in accounts
    ]


def load_round(server: Server, name: str, load: Callable[[], http_load.Result]) -> dict[str, Any]:
    """One round of load, with the CPU the server's workers and the database's backends used."""
    workers, backends = server.workers(), database_backends()
    before_w, before_b = cpu_seconds(workers), cpu_seconds(backends)
    result = load()
    after_w, after_b = cpu_seconds(workers), cpu_seconds(backends)
    figures = result.summary()
    n = max(result.requests, 1)
    figures["view"] = name
    figures["server_cpu_ms"] = round(used(before_w, after_w) * 1000 / n, 3)
    figures["database_cpu_ms"] = round(used(before_b, after_b) * 1000 / n, 3)
    return figures


def run(
    *,
    sessions: int = 2000,
    duration: float = 20.0,
    repeat: int = 3,
    clients: int = 8,
    workers: int = 2,
    threads: int = 4,
    conn_max_age: int = 600,
    seed: int = 1,
    port: int = 0,
    profile_requests: int = 0,
    what_if_requests: int = 0,
    cache_url: str = "",
    log: Callable[[str], Any] = print,
) -> dict[str, Any]:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connections
    from django.utils import timezone

    key = server_environment(conn_max_age)["CERTIPRO_SECRET_KEY"]
    if key != settings.SECRET_KEY:
        raise RuntimeError("the server would not read the sessions signed here: not the same secret key")
    today = timezone.localdate()
    result: dict[str, Any] = {
        "today": today.isoformat(),
        "settings": {
            "sessions": sessions, "duration": duration, "repeat": repeat, "clients": clients,
            "workers": workers, "threads": threads, "conn_max_age": conn_max_age, "seed": seed,
            "cache": cache_url or "in-process (no Redis: each worker keeps its own pages)",
        },
    }  # fmt: skip
    before = counts()
    cleanup(log)
    cache.clear()
    try:
        began = time.perf_counter()
        people = sample_people(sessions, rng=random.Random(seed), today=today)
        accounts = create_accounts(people)
        log(f"{len(accounts)} users, activations and sessions created in {time.perf_counter() - began:.1f}s")
        if not accounts:
            raise RuntimeError("no professional with a current period and no user in this database")
        result["queries"] = {
            "dashboard": count_queries(DASHBOARD_PATH, accounts[0]),
            "dashboard_rendered": count_queries(DASHBOARD_PATH, accounts[0], rendered=True),
            "baseline": count_queries(BASELINE_PATH, accounts[0]),
            # Rendered, over more people: 17 with a specialty to label, 16 without (no query for no codes).
            "rendered_counts": dict(
                Counter(
                    count_queries(DASHBOARD_PATH, a, rendered=True)["queries"]
                    for a in accounts[:QUERY_SAMPLE]
                )
            ),
        }
        log(f"queries per page: {json.dumps(result['queries'])}")
        connections.close_all()
        cache.clear()
        kept = Server(
            workers=workers, threads=threads, conn_max_age=conn_max_age, port=port,
            env=server_environment(conn_max_age, cache_url),
        )  # fmt: skip
        try:
            rendered = Server(
                workers=workers, threads=threads, conn_max_age=conn_max_age,
                env=server_environment(conn_max_age, cache_url, CERTIPRO_DASHBOARD_CACHE_SECONDS="0"),
            )  # fmt: skip
        except BaseException:
            kept.stop()
            raise
        log(
            f"gunicorn on 127.0.0.1:{kept.port} (pages kept) and :{rendered.port} (rendered),"
            f" {workers} gthread workers × {threads} threads each"
        )
        try:
            cookie = settings.SESSION_COOKIE_NAME
            views = {
                "baseline": (kept, targets(BASELINE_PATH, accounts, cookie)),
                "dashboard": (kept, targets(DASHBOARD_PATH, accounts, cookie)),
                "dashboard_rendered": (rendered, targets(DASHBOARD_PATH, accounts, cookie)),
            }
            result["warmup"] = {}
            for name, (server, views_targets) in views.items():  # every session once: caches, connections
                warm = http_load.run(
                    "127.0.0.1", server.port, views_targets, clients=clients, requests=len(views_targets),
                    split=True,
                )  # fmt: skip
                result["warmup"][name] = warm.summary()
                log(f"warm-up {name}: {json.dumps(warm.summary())}")
            rounds: list[dict[str, Any]] = []
            names = list(views)
            for i in range(repeat):
                order = names[i % 3 :] + names[: i % 3]  # each view first in turn
                for name in order:
                    server, views_targets = views[name]

                    def load(server: Server = server, views_targets: Any = views_targets, i: int = i) -> Any:
                        return http_load.run(
                            "127.0.0.1", server.port, views_targets, clients=clients, duration=duration,
                            seed=seed * 100 + i,
                        )  # fmt: skip

                    figures = load_round(server, name, load)
                    figures["run"] = i + 1
                    rounds.append(figures)
                    log(f"run {i + 1} {name}: {json.dumps(figures)}")
        finally:
            kept.stop()
            rendered.stop()
        result["rounds"] = rounds
        result["summary"] = summarise(rounds)
        if profile_requests:
            result["profile"] = profile(accounts, profile_requests)
        if what_if_requests:
            result["what_if"] = what_if(accounts, what_if_requests)
    finally:
        cleanup(log)
        cache.clear()
        after = counts()
        result["left_as_found"] = after == before
        log(f"left as found: {after == before} (before {before}, after {after})")
    return result


def summarise(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    by_view: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rounds:
        by_view[r["view"]].append(r)
    summary: dict[str, Any] = {}
    for view, rs in by_view.items():
        summary[view] = {
            "rates": [r["rate"] for r in rs],
            "rate": statistics.median(r["rate"] for r in rs),
            "p50_ms": statistics.median(r["p50_ms"] for r in rs),
            "p95_ms": statistics.median(r["p95_ms"] for r in rs),
            "failures": sum(r["failures"] for r in rs),
            "requests": sum(r["requests"] for r in rs),
            "server_cpu_ms": statistics.median(r["server_cpu_ms"] for r in rs),
            "database_cpu_ms": statistics.median(r["database_cpu_ms"] for r in rs),
        }
    for view, suffix in (("dashboard", ""), ("dashboard_rendered", "_rendered")):
        if "baseline" in summary and view in summary:
            pairs = zip(summary[view]["rates"], summary["baseline"]["rates"], strict=True)
            summary[f"ratio{suffix}_per_run"] = [round(d / b, 3) if b else None for d, b in pairs]
            baseline = summary["baseline"]["rate"]
            summary[f"ratio{suffix}"] = round(summary[view]["rate"] / baseline, 3) if baseline else None
    return summary


def table(result: dict[str, Any]) -> str:
    """The figures as the Markdown table of docs/benchmarks.md."""
    s = result["summary"]
    runs = len(s["baseline"]["rates"])
    head = "| | " + " | ".join(f"run {i + 1}" for i in range(runs)) + " | **median** |"
    lines = [head, "|---" * (runs + 2) + "|"]
    for view, label in (
        ("baseline", "baseline (one indexed query), req/s"),
        ("dashboard", "dashboard (kept page), req/s"),
        ("dashboard_rendered", "dashboard rendered at every visit, req/s"),
    ):
        rates = " | ".join(f"{r:,.1f}" for r in s[view]["rates"])
        lines.append(f"| {label} | {rates} | **{s[view]['rate']:,.1f}** |")
    for suffix, label in (("", "kept page"), ("_rendered", "rendered at every visit")):
        ratios = " | ".join(f"{r:.3f}" for r in s[f"ratio{suffix}_per_run"])
        lines.append(
            f"| **ratio dashboard ({label}) / baseline** | {ratios} | **{s[f'ratio{suffix}']:.3f}** |"
        )
    by_run = defaultdict(dict)
    for r in result["rounds"]:
        by_run[r["view"]][r["run"]] = r
    for view in ("baseline", "dashboard", "dashboard_rendered"):
        cells = " | ".join(
            f"{by_run[view][i + 1]['p50_ms']:.1f} / {by_run[view][i + 1]['p95_ms']:.1f}" for i in range(runs)
        )
        median = f"**{s[view]['p50_ms']:.1f} / {s[view]['p95_ms']:.1f}**"
        lines.append(f"| {view}, p50 / p95 latency (ms) | {cells} | {median} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=2000, help="signed-in professionals")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per round")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gthread workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--conn-max-age", type=int, default=600, help="CERTIPRO_DB_CONN_MAX_AGE")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="then profile N dashboards")
    parser.add_argument(
        "--what-if", type=int, default=0, metavar="N", help="then N dashboards with parts cached (mock)"
    )
    parser.add_argument(
        "--cache",
        default=DEFAULT_CACHE,
        help="the Redis database of the kept pages (emptied before and after)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures there")
    parser.add_argument("--cleanup-only", action="store_true", help="only undo an interrupted run")
    args = parser.parse_args(argv)
    cache_url = args.cache if redis_answers(args.cache) else ""
    if not cache_url:
        print(
            f"Redis does not answer at {args.cache}: each worker keeps its own pages (not as in production)"
        )
    # This process counts queries and profiles under the server's own settings.
    os.environ.update(server_environment(args.conn_max_age, cache_url))
    os.environ.pop("CERTIPRO_DEV_PSC", None)
    import bench.wsgi  # noqa: F401  (settings, bench.urls as the URLconf, django.setup())

    if args.cleanup_only:
        cleanup()
        return
    result = run(
        sessions=args.sessions,
        duration=args.duration,
        repeat=args.repeat,
        clients=args.clients,
        workers=args.workers,
        threads=args.threads,
        conn_max_age=args.conn_max_age,
        seed=args.seed,
        port=args.port,
        profile_requests=args.profile,
        what_if_requests=args.what_if,
        cache_url=cache_url,
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    if "profile" in result:
        p = result["profile"]
        print(f"in-process, {p['requests']} requests: {json.dumps(p['wall_ms'])}")
        print("rendered dashboards, timed without a profiler (ms per dashboard, inclusive):")
        for label, ms in p["timed_ms"].items():
            print(f"  {ms:8.2f}  {label}")
        print(f"queries ({p['queries_ms_total']} ms per dashboard, from sending to the last row):")
        for t, q in p["queries_ms"].items():
            print(f"  {q['per_request']:5.2f} × {t}: {q['ms']:.2f} ms")
        print(f"under cProfile: {p['profiled_ms_per_request']} ms per dashboard; parts (cumulative ms):")
        for label, ms in p["profiled_parts_ms"].items():
            print(f"  {ms:8.2f}  {label}")
        print(p["top"])
    if "what_if" in result:
        print("what if (in this process, ms per dashboard, ratio to the baseline):")
        for name, figures in result["what_if"].items():
            print(f"  {figures['ms']:8.2f}  {figures['ratio']:.3f}  {name}")
    print(table(result))
    print(
        json.dumps(
            {k: v for k, v in result.items() if k not in ("profile", "rounds", "what_if")}, default=str
        )
    )


if __name__ == "__main__":
    main()
