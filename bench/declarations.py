"""Batches of declarations through the HTTP API, against a raw COPY of the same rows.

    python -m bench.declarations [--batches 10] [--batch-size 1000] [--repeat 3] [--profile]
                                 [--clients 2] [--workers 2] [--server gunicorn|runserver]
    python -m bench.declarations --cleanup-only

On the database the generator filled (`DATABASE_URL`), in one run: a declarant and its token
(`create_declarant`), realistic declarations for random existing professionals (action types their
current référentiels let a training body declare, end dates inside their period and not in the
future, about 2 % errors: unknown RPPS, future date, unknown type), the real Django app served on
127.0.0.1 (DEBUG off) by gunicorn (`--workers` processes, persistent database connections) or by
`manage.py runserver --noreload --nothreading`, and the batches POSTed by `--clients` concurrent
clients (`http.client`), each for its own share of the professionals (as independent declarants
would: they never wait on each other's rows), timed end to end. Then, in the same run, the
baseline: the very rows the API wrote, COPYed again by as many concurrent connections (one COPY
and one commit per batch, as the API commits per request), into `actions_action` alone, into
`actions_action` + `actions_actiontransition`, and into those + `accounts_auditentry` +
`notifications_notification` ("all": every row the API writes per accepted declaration — the
action, its transition, its audit entry and the "action received" notice its professional gets,
domain §7). Repeated `--repeat` times; medians and the ratios ours / COPY (accepted actions per
second) are printed.

Everything it writes is removed at the end (`cleanup`, also run first, and alone with
`--cleanup-only`): the actions, transitions, flags, audit entries, notifications, uploads, token
and declarant it created (the baseline's notices, like the API's, are its people's messages that
were not there before); the self-declared actions a declaration merged with (D-33) and the status
snapshots of every professional it sampled are restored from copies taken before the run. Only the
sequences stay advanced.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
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
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

NAME = "bench.declarations"  # the declarant's name: every actor label of a run starts with it
COMMAND = f"command:{NAME}"
USERNAME = "bench-declarations"
PEOPLE_TABLE = "bench_decl_people"
CLAIMS_TABLE = "bench_decl_claims"
SNAPSHOTS_TABLE = "bench_decl_snapshots"
MERGED_TABLE = "bench_decl_merged"
NOTIFIED_TABLE = "bench_decl_notified"
NOTIFICATIONS_TABLE = "notifications_notification"
TASKS_TABLE = "django_tasks_database_dbtaskresult"
ERRORS = (("unknown_rpps", 0.01), ("future_date", 0.005), ("unknown_action_type", 0.005))
TITLES = (
    "Insuffisance cardiaque en ville",
    "Prise en charge de la douleur",
    "Antibiothérapie raisonnée",
    "Soins palliatifs à domicile",
    "Prévention des chutes",
    "Vaccination : mise à jour",
)
ROOT = Path(__file__).resolve().parent.parent
TABLE = re.compile(r'"?((?:actions|certification|directory|accounts|referentiels|declarations)_\w+)"?')
# Where a batch's time goes: (file, function) of the profile -> what it is (cumulative seconds).
PARTS = {
    ("declarations/intake.py", "judge_batch"): "judge_batch, in all",
    ("declarations/schemas.py", "parse_declaration"): "parse and validate (pydantic)",
    ("entrypoints/claims.py", "record_claims"): "record_claims (the one entry point), in all",
    ("certification/bulk_io.py", "read_accounts"): "accounts: read once, for the checks",
    ("actions/checks.py", "__init__"): "checks: the accounts' periods and timelines (ClaimChecker)",
    ("actions/checks.py", "judge"): "checks: each declaration",
    ("entrypoints/claims.py", "_sent"): "replays and corrections (D-32): what was sent before",
    ("entrypoints/claims.py", "_around"): "read around the batch (D-33 merges, D-34 hours)",
    ("entrypoints/claims.py", "_rewrite"): "corrections (D-32) and merges (D-33): the UPDATE",
    ("entrypoints/claims.py", "_insert"): "insert actions + transitions + audit",
    ("actions/bulk_write.py", "log_actions"): "transitions + audit of the rewritten",
    ("entrypoints/claims.py", "_announce"): "notices (domain §7)",
    ("actions/anomalies.py", "_impossible_hours"): "flags: impossible hours",
    ("actions/anomalies.py", "_mass_claims"): "flags: mass claims",
    ("actions/anomalies.py", "flag_claims"): "flags (D-34), in all",
    ("certification/status.py", "refresh_status"): "snapshot refresh, in all",
    ("certification/bulk_io.py", "read_exercises"): "snapshot refresh: read (plain rows)",
    ("certification/evaluation.py", "evaluate_exercise"): "snapshot refresh: the engine",
    ("certification/bulk_io.py", "upsert_from_temp"): "snapshot refresh: write (upsert)",
    ("notifications/events_sql.py", "axes_completed_from"): "snapshot refresh: notices of axes completed",
    ("certification/catalogue.py", "current_catalogue"): "the catalogue (kept: built by a first batch)",
}


@dataclass(frozen=True)
class Person:
    """A professional's current exercise: what a declaration for them may contain."""

    professional_id: int
    rpps: str
    types: tuple[str, ...]  # what a training body may declare for them
    multi_axis: dict[str, tuple[int, ...]]
    first_day: date


def sample_people(count: int, *, rng: random.Random, today: date, kind: str = "organism") -> list[Person]:
    """About `count` random professionals with at least one type `kind` may declare."""
    from bench.generate import _kinds
    from certipro.certification.catalogue import load_catalogue
    from certipro.certification.models import Period
    from certipro.directory.models import Professional

    kind_of = _kinds(load_catalogue(), today)
    bounds = Professional.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None or high is None:
        return []
    population = range(low, high + 1)
    ids = sorted(rng.sample(population, min(count, len(population))))
    people: list[Person] = []
    for i in range(0, len(ids), 5000):
        rows: dict[int, tuple[int, str, str, list[str], date]] = {}
        periods = (
            Period.objects.filter(professional_id__in=ids[i : i + 5000], start__lte=today)
            .order_by("exercise_id", "start")
            .values_list(
                "exercise_id",
                "professional_id",
                "professional__rpps",
                "exercise__profession_id",
                "exercise__specialties",
                "start",
            )
        )
        for exercise_id, professional_id, rpps, profession, specialties, start in periods:
            rows[professional_id] = (exercise_id, rpps, profession, specialties or [], start)  # latest wins
        for professional_id, (_, rpps, profession, specialties, start) in rows.items():
            k = kind_of(profession, frozenset(specialties))
            types = k.by_kind.get(kind, ())
            if types:
                first_day = max(start, date(2023, 1, 1))
                people.append(Person(professional_id, rpps, types, k.multi_axis, first_day))
    return people


def declarations(
    people: Sequence[Person], count: int, *, rng: random.Random, today: date, tag: str
) -> Iterator[dict[str, Any]]:
    """`count` declarations as the API takes them, for people drawn from `people`."""
    for n in range(count):
        person = rng.choice(people)
        type_code = rng.choice(person.types)
        end = person.first_day + timedelta(days=rng.randint(0, max((today - person.first_day).days, 0)))
        item: dict[str, Any] = {
            "external_id": f"{tag}-{n:08d}",
            "rpps": person.rpps,
            "action_type": type_code,
            "title": rng.choice(TITLES),
            "start_date": (end - timedelta(days=rng.choice((0, 0, 1, 2, 4)))).isoformat(),
            "end_date": end.isoformat(),
            "hours": rng.choice((2, 3, 4, 7, 14, 21)),
        }
        axes = person.multi_axis.get(type_code)
        if axes and rng.random() < 0.2:
            item["axis"] = rng.choice(axes)
        noise = rng.random()
        for code, share in ERRORS:
            if noise < share:
                if code == "unknown_rpps":
                    item["rpps"] = f"99{rng.randint(0, 999_999_999):09d}"
                elif code == "future_date":
                    item["end_date"] = (today + timedelta(days=rng.randint(1, 90))).isoformat()
                    item.pop("start_date")
                else:
                    item["action_type"] = "X-" + type_code
                break
            noise -= share
        yield item


# --- The declarant, and the copies taken before a run so that it can be undone ---


def setup() -> tuple[Any, str]:
    """Creates the bench declarant (after removing any earlier one); returns it and its token."""
    from certipro.actions.declarants import create_declarant
    from certipro.audit.journal import Actor

    cleanup()
    declarant, _, token = create_declarant(kind="organism", name=NAME, actor=Actor.command(NAME))
    return declarant, token


def protect(people: Sequence[Person], items: Iterable[dict[str, Any]]) -> None:
    """Copies, before the run, what it may change and `cleanup` must restore: the snapshots of the
    people the declarations name, and the self-declared actions they may merge with (D-33).
    `items` is read once, as a stream (a CSV file's rows will do)."""
    from django.db import connection, transaction

    by_rpps = {p.rpps: p.professional_id for p in people}
    claims = (
        (by_rpps[i["rpps"]], i["action_type"], i.get("start_date") or i["end_date"], i["end_date"])
        for i in items
        if i["rpps"] in by_rpps
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (PEOPLE_TABLE, CLAIMS_TABLE):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {PEOPLE_TABLE} (professional_id bigint PRIMARY KEY)")
        cursor.execute(
            f"CREATE TABLE {CLAIMS_TABLE} (professional_id bigint, type_code varchar(40), "
            "start_date date, end_date date)"
        )
        _insert_rows(cursor, PEOPLE_TABLE, [(pk,) for pk in sorted(set(by_rpps.values()))])
        _insert_rows(cursor, CLAIMS_TABLE, claims)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {PEOPLE_TABLE}")
            cursor.execute(f"ANALYZE {CLAIMS_TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {SNAPSHOTS_TABLE}")
        cursor.execute(
            f"CREATE TABLE {SNAPSHOTS_TABLE} AS SELECT s.* FROM certification_statussnapshot s "
            f"WHERE s.professional_id IN (SELECT professional_id FROM {PEOPLE_TABLE})"
        )
        cursor.execute(f"DROP TABLE IF EXISTS {MERGED_TABLE}")
        cursor.execute(
            f"CREATE TABLE {MERGED_TABLE} AS SELECT a.* FROM actions_action a "
            f"WHERE a.professional_id IN (SELECT professional_id FROM {PEOPLE_TABLE}) "
            "AND a.source = 'professional' AND a.state = 'declared' AND a.declarant_id IS NULL "
            f"AND EXISTS (SELECT 1 FROM {CLAIMS_TABLE} c WHERE c.professional_id = a.professional_id "
            "AND c.type_code = a.type_code AND COALESCE(a.start_date, a.end_date) <= c.end_date "
            "AND c.start_date <= a.end_date)"
        )
        cursor.execute(f"DROP TABLE IF EXISTS {NOTIFIED_TABLE}")
        if _exists(NOTIFICATIONS_TABLE):
            # The messages the people had before: any other one of theirs is the run's (domain §7).
            cursor.execute(
                f"CREATE TABLE {NOTIFIED_TABLE} AS SELECT n.id FROM {NOTIFICATIONS_TABLE} n "
                f"WHERE n.professional_id IN (SELECT professional_id FROM {PEOPLE_TABLE})"
            )


def _insert_rows(cursor: Any, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    listed = list(rows)
    if listed:
        marks = ", ".join(["%s"] * len(listed[0]))
        cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", listed)


def analyze() -> None:
    """Fresh planner statistics for the tables a batch reads (outside the timings): a freshly
    generated database has none when autovacuum is off, and production has them. Vacuumed too,
    unless inside a transaction (the tests'): the dead rows an earlier run or the nightly
    recompute left (1.3 M snapshots once) slowed every batch to 0.166 of the COPY."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in (
            "actions_action",
            "actions_claimflag",
            "directory_professional",
            "directory_exercise",
            "directory_holding",
            "certification_period",
            "certification_exemption",
            "certification_statussnapshot",
        ):
            cursor.execute(f"{command} {table}")


def _exists(table: str) -> bool:
    from django.db import connection

    return table in connection.introspection.table_names()


def cleanup(log: Callable[[str], Any] = print) -> dict[str, int]:
    """Removes everything a run wrote and restores what it changed (idempotent)."""
    from django.core.files.storage import default_storage
    from django.db import connection, transaction

    from certipro.accounts.models import User
    from certipro.actions.models import Action, ActionTransition, ApiToken, ClaimFlag, Declarant
    from certipro.audit.models import AuditEntry
    from certipro.certification.models import StatusSnapshot
    from certipro.declarations.models import FileUpload, UploadLine

    removed: dict[str, int] = {}
    declarants = list(Declarant.objects.filter(name=NAME))
    ids = [d.pk for d in declarants]
    with transaction.atomic(), connection.cursor() as cursor:
        if ids:
            ours = Action.objects.filter(declarant_id__in=ids).values("pk")
            removed["transitions"] = (
                ActionTransition.objects.filter(
                    action_id__in=ours, actor_label__startswith=f"{NAME} ("
                )._raw_delete(connection.alias)
                or 0
            )
            removed["flags"] = (
                ClaimFlag.objects.filter(declarant_id__in=ids)._raw_delete(connection.alias) or 0
            )
            removed["flags"] += (
                ClaimFlag.objects.filter(action_id__in=ours)._raw_delete(connection.alias) or 0
            )
        if _exists(MERGED_TABLE):
            columns = [f.column for f in Action._meta.concrete_fields if f.column != "id"]
            assignments = ", ".join(f"{c} = b.{c}" for c in columns)
            cursor.execute(
                f"UPDATE actions_action SET {assignments} FROM {MERGED_TABLE} b "
                f"WHERE actions_action.id = b.id"
            )
            removed["merged_restored"] = cursor.rowcount
        if ids:
            removed["actions"] = (
                Action.objects.filter(declarant_id__in=ids)._raw_delete(connection.alias) or 0
            )
            uploads = FileUpload.objects.filter(declarant_id__in=ids)
            for name in uploads.values_list("file", flat=True):
                if name:
                    default_storage.delete(name)
            removed["upload_lines"] = (
                UploadLine.objects.filter(upload__in=uploads)._raw_delete(connection.alias) or 0
            )
            removed["uploads"] = uploads._raw_delete(connection.alias) or 0
        if _exists(SNAPSHOTS_TABLE):
            listed = ", ".join(str(f.column) for f in StatusSnapshot._meta.concrete_fields)
            cursor.execute(
                "DELETE FROM certification_statussnapshot "
                f"WHERE professional_id IN (SELECT professional_id FROM {PEOPLE_TABLE})"
            )
            cursor.execute(
                f"INSERT INTO certification_statussnapshot ({listed}) SELECT {listed} FROM {SNAPSHOTS_TABLE}"
            )
            removed["snapshots_restored"] = cursor.rowcount
        since = min((d.created_at for d in declarants), default=None)
        if _exists(NOTIFIED_TABLE):
            # What the run told the people it declared for (merges, axes completed: domain §7).
            cursor.execute(
                f"DELETE FROM {NOTIFICATIONS_TABLE} "
                f"WHERE professional_id IN (SELECT professional_id FROM {PEOPLE_TABLE}) "
                f"AND id NOT IN (SELECT id FROM {NOTIFIED_TABLE})"
            )
            removed["notifications"] = cursor.rowcount
        if since is not None and _exists(TASKS_TABLE):
            # The e-mail deliveries it enqueued (no worker runs on a bench database).
            cursor.execute(
                f"DELETE FROM {TASKS_TABLE} WHERE enqueued_at >= %s AND task_path LIKE %s",
                [since - timedelta(minutes=5), "%.deliver_notifications"],
            )
            removed["tasks"] = cursor.rowcount
        users = list(User.objects.filter(username=USERNAME).values_list("pk", flat=True))
        if since is not None or users:
            # The journal is append-only (D-41; a trigger on PostgreSQL): a benchmark's own entries
            # are the one thing allowed to go, in this transaction only.
            audit = AuditEntry.objects.filter(at__gte=(since or datetime.min) - timedelta(minutes=5))
            if connection.vendor == "postgresql":
                cursor.execute(
                    "ALTER TABLE accounts_auditentry DISABLE TRIGGER accounts_auditentry_append_only"
                )
            removed["audit"] = (
                (audit.filter(actor_label__startswith=f"{NAME} (")._raw_delete(connection.alias) or 0)
                + (audit.filter(actor_label=COMMAND)._raw_delete(connection.alias) or 0)
                + (AuditEntry.objects.filter(actor_id__in=users)._raw_delete(connection.alias) or 0)
            )
            if connection.vendor == "postgresql":
                cursor.execute(
                    "ALTER TABLE accounts_auditentry ENABLE TRIGGER accounts_auditentry_append_only"
                )
        ApiToken.objects.filter(declarant_id__in=ids).delete()
        for declarant in declarants:
            declarant.members.clear()
            declarant.delete()
        User.objects.filter(username=USERNAME).delete()
        for table in (NOTIFIED_TABLE, MERGED_TABLE, SNAPSHOTS_TABLE, CLAIMS_TABLE, PEOPLE_TABLE):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    if any(removed.values()):
        log(f"cleanup: {removed}")
    return removed


def digest() -> dict[str, Any]:
    """What a run must leave as it found: row counts, and every snapshot field (but updated_at)."""
    from django.db import connection

    from bench.recompute import checksum
    from certipro.actions.models import Action, ActionTransition, ClaimFlag
    from certipro.audit.models import AuditEntry

    found = {
        "actions": Action.objects.count(),
        "transitions": ActionTransition.objects.count(),
        "flags": ClaimFlag.objects.count(),
        "audit": AuditEntry.objects.count(),
        "snapshots": checksum(),
    }
    for name, table in (("notifications", NOTIFICATIONS_TABLE), ("tasks", TASKS_TABLE)):
        if _exists(table):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                found[name] = cursor.fetchone()[0]
    return found


# --- The server, the client, the baseline ---


class Server:
    """The app on 127.0.0.1, DEBUG off, in its own processes: gunicorn with `workers` sync
    workers and persistent database connections (how a national service runs it), or
    `manage.py runserver --noreload --nothreading` (one process, one thread)."""

    def __init__(self, port: int = 0, *, kind: str = "gunicorn", workers: int = 2) -> None:
        port = port or free_port()
        env = {
            **os.environ,
            "CERTIPRO_DEBUG": "0",
            "CERTIPRO_SECRET_KEY": os.environ.get("CERTIPRO_SECRET_KEY", "bench-" + "x" * 40),
            "CERTIPRO_ALLOWED_HOSTS": "127.0.0.1",
            "CERTIPRO_API_RATE": "1000000/min",
            "CERTIPRO_MAX_BODY_BYTES": str(64 * 1024 * 1024),
            "CERTIPRO_DB_CONN_MAX_AGE": "600",
        }
        if kind == "gunicorn":
            command = [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{port}",
                "--timeout=600",
            ]
        else:
            command = [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                "--nothreading",
                f"127.0.0.1:{port}",
            ]
        self.port = port
        # A file, not a pipe nobody reads: a server that logs much would block on a full pipe.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = request(port, "GET", "/api/v1/openapi.json")
                if status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start: {self.errors()}")
            time.sleep(0.3)

    def errors(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def free_port() -> int:
    """A port nobody listens on (other servers may run on this machine)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def post_batch(port: int, token: str, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    body = json.dumps({"declarations": list(items)}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, data = request(port, "POST", "/api/v1/declarations", body, headers)
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {data[:500]!r}")
    result: dict[str, Any] = json.loads(data)
    return result


ACTION_COLUMNS = (
    "professional_id",
    "profession_id",
    "type_code",
    "title",
    "start_date",
    "end_date",
    "hours",
    "axis",
    "state",
    "source",
    "channel",
    "declarant_id",
    "external_id",
    "declared_by_id",
    "declared_at",
    "updated_at",
)
TRANSITION_COLUMNS = ("action_id", "professional_id", "at", "from_state", "to_state", "actor_label", "reason")


NOTICE_COLUMNS = (
    "professional_id",
    "kind",
    "key",
    "data",
    "created_at",
    "email_state",
    "email_to",
    "email_attempts",
    "email_next_try",
    "email_error",
)
RECEIVED = "action_received"  # notifications.kinds.Kind.ACTION_RECEIVED
AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "actor_label",
    "role",
    "professional_id",
    "verb",
    "object_type",
    "object_id",
    "reason",
    "data",
)
BASELINES = {
    "actions": ("actions",),
    "transitions": ("actions", "transitions"),
    # Every row the API writes per accepted declaration: the notice is the professional's "action
    # received" message (domain §7), written in the same transaction as the action.
    "all": ("actions", "transitions", "audit", "notices"),
}


@dataclass(frozen=True)
class Written:
    """One declaration as the API wrote it: its action row, its audit entry and its notice (the
    transition is made again from the action, as the API makes it)."""

    action: tuple[Any, ...]  # ACTION_COLUMNS
    audit: tuple[Any, ...]  # AUDIT_COLUMNS
    notice: tuple[Any, ...]  # NOTICE_COLUMNS


def written_rows(declarant_id: int, action_ids: Sequence[int]) -> list[Written]:
    """The rows the API wrote, as the baseline COPYs them again (outside the timings)."""
    from django.db import connection

    rows: list[Written] = []
    with connection.cursor() as cursor:
        for i in range(0, len(action_ids), 10_000):
            ids = list(action_ids[i : i + 10_000])
            cursor.execute(
                f"SELECT id, {', '.join(ACTION_COLUMNS)} FROM actions_action "
                "WHERE declarant_id = %s AND id = ANY(%s) ORDER BY id",
                [declarant_id, ids],
            )
            actions = cursor.fetchall()
            cursor.execute(  # by the professional index: the journal has no index on object_id
                f"SELECT {', '.join(AUDIT_COLUMNS)} FROM accounts_auditentry WHERE professional_id = ANY(%s) "
                "AND object_type = 'action' AND object_id = ANY(%s) AND actor_label LIKE %s",
                [sorted({a[1] for a in actions}), [str(pk) for pk in ids], f"{NAME} (%"],
            )
            audit = {row[AUDIT_COLUMNS.index("object_id")]: row for row in cursor.fetchall()}
            cursor.execute(  # by the unique index (professional, kind, key)
                f"SELECT {', '.join(NOTICE_COLUMNS)} FROM {NOTIFICATIONS_TABLE} "
                "WHERE professional_id = ANY(%s) AND kind = %s AND key = ANY(%s)",
                [sorted({a[1] for a in actions}), RECEIVED, [f"action:{pk}" for pk in ids]],
            )
            notices = {row[NOTICE_COLUMNS.index("key")]: row for row in cursor.fetchall()}
            rows.extend(Written(a[1:], audit[str(a[0])], notices[f"action:{a[0]}"]) for a in actions)
    return rows


def copy_baseline(
    batches: Sequence[Sequence[Written]], *, prefix: str, tables: str = "all", clients: int = 1
) -> float:
    """COPYs the rows again into `BASELINES[tables]` (external_id prefixed, the pair being unique),
    one COPY per table and one commit per batch; ids are taken from the sequence first (as
    `actions.bulk_write.insert_actions` does) so that transitions, audit entries and notices point at their
    action. `clients` connections share the batches as the API clients did (batch b to
    connection b % clients). Returns the seconds taken."""
    shares = [batches[k::clients] for k in range(clients)]
    started = time.perf_counter()
    _concurrently([lambda share=share: _copy_share(share, prefix, BASELINES[tables]) for share in shares])
    return time.perf_counter() - started


def _copy_share(batches: Sequence[Sequence[Written]], prefix: str, tables: tuple[str, ...]) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    external = ACTION_COLUMNS.index("external_id")
    object_id = AUDIT_COLUMNS.index("object_id")
    data = AUDIT_COLUMNS.index("data")
    for batch in batches:
        with transaction.atomic(), connection.cursor() as wrapper:
            cursor = wrapper.cursor
            rows = [
                (*w.action[:external], prefix + w.action[external], *w.action[external + 1 :]) for w in batch
            ]
            if tables == ("actions",):
                with cursor.copy(f"COPY actions_action ({', '.join(ACTION_COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                continue
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('actions_action', 'id')) FROM generate_series(1, %s)",
                [len(rows)],
            )
            pks = [pk for (pk,) in cursor.fetchall()]
            with cursor.copy(f"COPY actions_action (id, {', '.join(ACTION_COLUMNS)}) FROM STDIN") as copy:
                for pk, row in zip(pks, rows, strict=True):
                    copy.write_row((pk, *row))
            now = timezone.now()
            label = f"{NAME} (copy)"
            with cursor.copy(
                f"COPY actions_actiontransition ({', '.join(TRANSITION_COLUMNS)}) FROM STDIN"
            ) as copy:
                for pk, row in zip(pks, rows, strict=True):
                    copy.write_row((pk, row[0], now, "", row[8], label, "accepted"))
            if "audit" in tables:
                with cursor.copy(f"COPY accounts_auditentry ({', '.join(AUDIT_COLUMNS)}) FROM STDIN") as copy:
                    for pk, w in zip(pks, batch, strict=True):
                        entry = list(w.audit)
                        entry[AUDIT_COLUMNS.index("actor_label")] = label  # so that cleanup finds it
                        entry[object_id], entry[data] = str(pk), _json_text(entry[data])
                        copy.write_row(entry)
            if "notices" in tables:
                _copy_notices(cursor, pks, batch, now)


def _copy_notices(cursor: Any, pks: Sequence[int], batch: Sequence[Written], now: datetime) -> None:
    """The "action received" notices, pointing at the copied actions (the key must be unique per
    professional: it names the action), stamped now as `notifications.services.notify` does."""
    key, data = NOTICE_COLUMNS.index("key"), NOTICE_COLUMNS.index("data")
    stamps = (NOTICE_COLUMNS.index("created_at"), NOTICE_COLUMNS.index("email_next_try"))
    with cursor.copy(f"COPY {NOTIFICATIONS_TABLE} ({', '.join(NOTICE_COLUMNS)}) FROM STDIN") as copy:
        for pk, w in zip(pks, batch, strict=True):
            notice = list(w.notice)
            notice[key] = f"action:{pk}"
            notice[data] = json.dumps({**_json_value(notice[data]), "action_id": pk})
            for stamp in stamps:
                notice[stamp] = now
            copy.write_row(notice)


def _json_text(value: Any) -> str:
    # Django's psycopg loads jsonb as text (JSONField parses it); COPY wants that very text.
    return value if isinstance(value, str) else json.dumps(value)


def _json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _concurrently(jobs: Sequence[Callable[[], Any]]) -> list[Any]:
    """Runs each job in its own thread (so its own database connection, closed after it);
    re-raises the first error. A single job runs in the caller's thread and connection."""
    from django.db import connections

    if len(jobs) == 1:
        return [jobs[0]()]
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            results[n] = jobs[n]()
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


# --- The run ---


@dataclass
class Round:
    api_seconds: float = 0.0
    sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    action_ids: list[list[int]] = field(default_factory=list)


def send(port: int, token: str, batches: Sequence[Sequence[dict[str, Any]]], *, clients: int = 1) -> Round:
    """POSTs the batches from `clients` concurrent clients (batch b by client b % clients, one
    after the other), timed from the first request sent to the last response parsed."""
    responses: list[dict[str, Any]] = [{} for _ in batches]

    def client(k: int) -> None:
        for b in range(k, len(batches), clients):
            responses[b] = post_batch(port, token, batches[b])

    started = time.perf_counter()
    _concurrently([lambda k=k: client(k) for k in range(clients)])
    result = Round(api_seconds=time.perf_counter() - started)
    for batch, response in zip(batches, responses, strict=True):
        result.sent += len(batch)
        ids = []
        for r in response["results"]:
            result.statuses[r["status"]] += 1
            if r["status"] == "rejected":
                result.errors.update(e["code"] for e in r["errors"])
            elif r["status"] == "accepted":
                ids.append(int(r["action_id"]))
        result.action_ids.append(ids)
    return result


def profile_batch(declarant: Any, items: Sequence[dict[str, Any]], *, today: date) -> dict[str, Any]:
    """One batch through `judge_batch` in this process, under cProfile, with its queries counted
    by kind and timed: where the time of a batch goes, server side (HTTP and JSON excluded)."""
    from django.db import connection

    from certipro.actions.models import Channel
    from certipro.declarations.api import token_actor
    from certipro.declarations.intake import judge_batch

    token = declarant.tokens.first()
    queries: dict[str, list[float]] = defaultdict(list)

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            table = TABLE.search(sql)
            queries[f"{sql.split(None, 1)[0]} {table.group(1) if table else ''}"].append(
                time.perf_counter() - started
            )

    profiler = cProfile.Profile()
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        profiler.enable()
        judge_batch(items, declarant=declarant, actor=token_actor(token), today=today, channel=Channel.API)
        profiler.disable()
    total = time.perf_counter() - started
    parts: dict[str, float] = defaultdict(float)
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, _, function), (_, _, _, cumulative, _) in raw.items():
        for (path, name), label in PARTS.items():
            if function == name and filename.endswith(path):
                parts[label] += cumulative
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)  # where Python itself spends
    by_kind = {k: (len(v), sum(v)) for k, v in sorted(queries.items(), key=lambda kv: -sum(kv[1]))}
    return {
        "seconds": total,
        "parts": parts,
        "queries": sum(n for n, _ in by_kind.values()),
        "query_seconds": sum(s for _, s in by_kind.values()),
        "queries_by_kind": by_kind,
        "top": out.getvalue(),
    }


def run(
    *,
    batches: int,
    batch_size: int,
    repeat: int,
    seed: int,
    port: int,
    profile: bool,
    clients: int = 1,
    workers: int = 2,
    server_kind: str = "gunicorn",
    log: Callable[[str], Any] = print,
) -> dict[str, Any]:
    from django.utils import timezone

    today = timezone.localdate()
    rng = random.Random(seed)
    declarant, token = setup()
    try:
        started = time.perf_counter()
        people = sample_people(batches * batch_size * repeat + batch_size, rng=rng, today=today)
        # Each client declares for its own share of the people (batch b is client b % clients).
        shares = [people[k::clients] for k in range(clients)]
        rounds = [
            [
                list(declarations(shares[b % clients], batch_size, rng=rng, today=today, tag=f"R{r}B{b}"))
                for b in range(batches)
            ]
            for r in range(repeat)
        ]
        extra = list(declarations(people, batch_size, rng=rng, today=today, tag="PROFILE"))
        protect(people, [i for batch_list in rounds for batch in batch_list for i in batch] + extra)
        analyze()
        log(
            f"{len(people)} people sampled, declarations built and protected, statistics refreshed "
            f"in {time.perf_counter() - started:.1f}s"
        )
        times: dict[str, list[float]] = {"api": [], **{f"copy_{k}": [] for k in BASELINES}}
        rates: dict[str, list[float]] = {k: [] for k in [*times, "api_sent"]}
        detail: list[dict[str, Any]] = []
        server = Server(port, kind=server_kind, workers=workers)
        port = server.port
        try:
            # Warm every worker (imports, first connection): not timed.
            send(port, token, [[] for _ in range(max(clients, workers) * 2)], clients=max(clients, workers))
            for r, batch_list in enumerate(rounds):
                got = send(port, token, batch_list, clients=clients)
                accepted = sum(len(ids) for ids in got.action_ids)
                rows = [written_rows(declarant.pk, ids) for ids in got.action_ids]
                assert sum(len(b) for b in rows) == accepted
                times["api"].append(got.api_seconds)
                rates["api"].append(accepted / got.api_seconds)
                rates["api_sent"].append(got.sent / got.api_seconds)
                for kind in BASELINES:
                    seconds = copy_baseline(rows, prefix=f"COPY-{kind}{r}-", tables=kind, clients=clients)
                    times[f"copy_{kind}"].append(seconds)
                    rates[f"copy_{kind}"].append(accepted / seconds)
                detail.append({"sent": got.sent, "statuses": dict(got.statuses), "errors": dict(got.errors)})
                log(
                    f"run {r + 1}: API {got.sent} sent, {dict(got.statuses)} in {got.api_seconds:.2f}s "
                    f"({rates['api_sent'][-1]:.0f} declarations/s, {rates['api'][-1]:.0f} accepted/s); "
                    + ", ".join(
                        f"COPY {kind} {times[f'copy_{kind}'][-1]:.2f}s ({rates[f'copy_{kind}'][-1]:.0f}/s)"
                        for kind in BASELINES
                    )
                    + f"; errors {dict(got.errors)}"
                )
        finally:
            server.stop()
        medians = {k: statistics.median(v) for k, v in rates.items()}
        result: dict[str, Any] = {
            "today": today.isoformat(),
            "batches": batches,
            "batch_size": batch_size,
            "repeat": repeat,
            "clients": clients,
            "server": f"{server_kind} ({workers} workers)" if server_kind == "gunicorn" else server_kind,
            "rates": rates,
            "times": times,
            "median_rates": medians,
            **{f"ratio_vs_copy_{k}": medians["api"] / medians[f"copy_{k}"] for k in BASELINES},
            "per_run": detail,
        }
        log(
            f"median: API {medians['api_sent']:.0f} declarations/s ({medians['api']:.0f} accepted/s); COPY "
            + ", ".join(f"{k} {medians[f'copy_{k}']:.0f} rows/s" for k in BASELINES)
            + "; ratio ours/COPY "
            + ", ".join(f"{result[f'ratio_vs_copy_{k}']:.3f} ({k})" for k in BASELINES)
        )
        if profile:
            result["profile"] = profile_batch(declarant, extra, today=today)
            p = result["profile"]
            log(
                f"profile of one batch in-process: {p['seconds']:.2f}s, {p['queries']} queries "
                f"({p['query_seconds']:.2f}s in the database driver)"
            )
            for name, seconds in sorted(p["parts"].items(), key=lambda kv: -kv[1]):
                log(f"  {name}: {seconds:.3f}s")
            for kind, (n, seconds) in list(p["queries_by_kind"].items())[:15]:
                log(f"  {n:5d} × {kind}: {seconds:.3f}s")
            log(p["top"])
        return result
    finally:
        cleanup(log)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=10, help="batches per run")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--profile", action="store_true", help="then profile one batch in-process")
    parser.add_argument("--cleanup-only", action="store_true", help="only undo an interrupted run")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures there")
    parser.add_argument("--verify", action="store_true", help="check the database is left as found")
    parser.add_argument("--clients", type=int, default=2, help="concurrent clients (and COPY connections)")
    parser.add_argument("--server", choices=("gunicorn", "runserver"), default="gunicorn")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The profiled batch's e-mail deliveries are queued, not run in a thread of this process, where
    # they would race the cleanup (no worker runs on a bench database; `cleanup` removes them).
    os.environ.setdefault("CERTIPRO_TASKS_BACKEND", "database")
    import django

    django.setup()
    if args.cleanup_only:
        cleanup()
        return
    before = digest() if args.verify else None
    result = run(
        batches=args.batches,
        batch_size=args.batch_size,
        repeat=args.repeat,
        seed=args.seed,
        port=args.port,
        profile=args.profile,
        clients=args.clients,
        workers=args.workers,
        server_kind=args.server,
    )
    if before is not None:
        after = digest()
        result["left_as_found"] = after == before
        print(f"left as found: {after == before} (before {before}, after {after})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps({k: v for k, v in result.items() if k != "profile"}, default=str))


if __name__ == "__main__":
    main()
