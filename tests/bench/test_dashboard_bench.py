"""The building blocks of `bench.dashboard` at a tiny size, so that the benchmark cannot rot silently
(the figures: docs/benchmarks.md): the load generator against a throwaway HTTP server, the
accounts and sessions on the test database, the WSGI entry, and on PostgreSQL a whole run."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench import dashboard, http_load
from certipro.directory.models import Professional
from tests.conftest import TODAY
from tests.space.test_dashboard_queries import KEPT, RENDERED

ROOT = Path(__file__).resolve().parent.parent.parent


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    asked: list[str] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        good = self.path.split("?")[0] == "/good"
        status, body = (200, b"<h1>ok</h1> RPPS 1") if good else (500, b"no")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_load_generator_counts_answers_and_failures_on_kept_alive_connections(http_server: int) -> None:
    targets = [
        http_load.Target("/good", expect=b"RPPS 1"),
        http_load.Target("/good", expect=b"RPPS 2"),  # 200, but not this person's page
        http_load.Target("/bad"),
    ]
    # 9 requests per client: each walks the 3 targets 3 times, in its own order.
    result = http_load.run("127.0.0.1", http_server, targets, clients=3, requests=27)
    assert result.requests == 27 and result.failures == 18
    assert result.statuses == {200: 18, 500: 9} and result.reconnections == 0
    assert result.rate > 0 and 0 < result.percentile(0.5) <= result.percentile(0.95)
    timed = http_load.run("127.0.0.1", http_server, targets[:1], clients=2, duration=0.3)
    assert timed.requests > 0 and timed.failures == 0 and timed.seconds >= 0.3
    assert timed.summary()["p95_ms"] >= timed.summary()["p50_ms"]


def test_a_split_warm_up_asks_each_target_exactly_once(http_server: int) -> None:
    # The dashboard's warm-up must visit every session once, so that every page is kept before
    # the measured rounds (without `split`, 8 clients in their own orders miss a third of them).
    _Handler.asked.clear()
    targets = [http_load.Target(f"/good?{i}", expect=b"RPPS 1") for i in range(11)]
    result = http_load.run("127.0.0.1", http_server, targets, clients=4, requests=len(targets), split=True)
    assert result.requests == 11 and result.failures == 0
    assert sorted(_Handler.asked) == sorted(t.path for t in targets)


def test_accounts_sessions_and_queries_of_both_views(dr_martin: Professional, settings: Any) -> None:
    settings.ROOT_URLCONF = "bench.urls"
    before = dashboard.counts()
    people = dashboard.sample_people(10, rng=random.Random(1), today=TODAY)
    assert [p.rpps for p in people] == [dr_martin.rpps]
    [account] = dashboard.create_accounts(people)
    assert account.session_key.startswith(dashboard.SESSION_PREFIX) and len(account.session_key) == 32
    assert dashboard.sample_people(10, rng=random.Random(1), today=TODAY) == []  # has a user now
    page = dashboard.count_queries(dashboard.DASHBOARD_PATH, account)
    assert page["queries"] == sum(KEPT.values()) and page["by_table"]["django_session"] == 1
    rendered = dashboard.count_queries(dashboard.DASHBOARD_PATH, account, rendered=True)
    assert rendered["queries"] == sum(RENDERED.values()) and rendered["bytes"] == page["bytes"]
    baseline = dashboard.count_queries(dashboard.BASELINE_PATH, account)
    assert baseline["queries"] == 3
    assert set(baseline["by_table"]) == {"django_session", "accounts_user", "certification_statussnapshot"}
    profile = dashboard.profile([account], 1)
    assert profile["wall_ms"]["dashboard"] > 0 and profile["queries_ms"]["actions_action"]["per_request"] == 1
    assert 0 < profile["timed_ms"]["build_dashboard, in all"] < profile["timed_ms"]["request, in all"]
    gains = dashboard.what_if([account], 1, repeat=1)
    assert gains["baseline"]["ratio"] == 1.0 and gains["rendered, as it is"]["ms"] > 0
    assert all(figures["ratio"] > 0 for figures in gains.values()) and len(gains) == 3
    removed = dashboard.cleanup(log=lambda _: None)
    assert removed == {"sessions": 1, "activations": 1, "users": 1}
    assert dashboard.counts() == before
    assert dashboard.cleanup(log=lambda _: None) == {"sessions": 0, "activations": 0, "users": 0}


def test_the_wsgi_entry_serves_the_project_and_the_baseline() -> None:
    code = (
        "import bench.wsgi\n"
        "from django.urls import resolve\n"
        "print(resolve('/bench/baseline/').url_name, resolve('/mon-espace/').view_name)\n"
    )
    env = {**os.environ, "CERTIPRO_DEBUG": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["bench_baseline", "space:dashboard"]


@pytest.fixture
def nomenclatures(transactional_db: None) -> None:
    from certipro.directory.nomenclatures import load
    from certipro.directory.services_nomenclatures import load_nomenclatures

    load_nomenclatures(load)  # a transactional test may start from an empty database


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_whole_run_through_gunicorn(
    nomenclatures: None, dr_martin: Professional, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the server is another process: it needs a database it can share (PostgreSQL)")
    settings.ROOT_URLCONF = "bench.urls"
    # The server must read the sessions this process signs: the same secret key (DEBUG off: ≥ 32).
    settings.SECRET_KEY = "bench-dashboard-test-" + "k" * 32
    monkeypatch.setenv("CERTIPRO_SECRET_KEY", settings.SECRET_KEY)
    url = urlsplit(os.environ["DATABASE_URL"])
    monkeypatch.setenv("DATABASE_URL", urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"])))
    result = dashboard.run(
        sessions=5,
        duration=0.5,
        repeat=2,
        clients=2,
        workers=1,
        threads=2,
        profile_requests=1,
        log=lambda _: None,
    )
    summary = result["summary"]
    assert summary["baseline"]["requests"] > 0 and summary["dashboard"]["requests"] > 0
    assert summary["baseline"]["failures"] == summary["dashboard"]["failures"] == 0, [
        r["errors"] for r in result["rounds"]
    ]
    assert summary["dashboard_rendered"]["failures"] == 0
    assert len(summary["ratio_per_run"]) == 2 and summary["ratio"] > 0 and summary["ratio_rendered"] > 0
    assert (
        result["queries"]["dashboard"]["queries"] == sum(KEPT.values())
        and result["queries"]["dashboard_rendered"]["queries"] == sum(RENDERED.values())
        and result["left_as_found"]
    )
    assert "| **ratio dashboard (kept page) / baseline** |" in dashboard.table(result)
    assert "| **ratio dashboard (rendered at every visit) / baseline** |" in dashboard.table(result)
