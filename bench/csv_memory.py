"""A large CSV file of declarations through the portal's real processing path, in bounded memory?

    python -m bench.csv_memory --lines 1000000 [--lines 100000 …] [--seed 1]

For each size, on the database the generator filled (`DATABASE_URL`): the bench declarant and a
member of its staff, a CSV file of `--lines` declarations written by `bench.declarations` (the
same generator: random existing professionals, about 2 % errors), then a child process that does
what the portal does with an uploaded file: `receive_upload` (reads it whole once: header, UTF-8,
line count, SHA-256; stores it) and, through the immediate task backend, `process_upload` (1,000
lines per transaction). The parent polls the child's /proc status (VmRSS, VmHWM) and the upload's
progress; the child reports its own peak RSS (`getrusage(RUSAGE_SELF).ru_maxrss`) and timings.
Everything is removed afterwards (`bench.declarations.cleanup`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.declarations import NAME, ROOT, USERNAME

WORK = Path(tempfile.gettempdir()) / "certipro-bench-csv"
MEDIA = WORK / "media"


def write_csv(path: Path, items: Iterator[dict[str, Any]]) -> int:
    """Writes the declarations as the portal takes them (header first); returns the line count."""
    import csv

    from certipro.declarations.schemas import FIELDS

    n = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for item in items:
            writer.writerow(item)
            n += 1
    return n


def read_csv(path: Path) -> Iterator[dict[str, Any]]:
    import csv

    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            yield {k: v for k, v in row.items() if v}


def setup_staff(declarant: Any) -> Any:
    """A member of the declarant's staff: who uploads the file."""
    from certipro.accounts.models import User

    user = User.objects.create_user(username=USERNAME)
    declarant.members.add(user)
    return user


def receive_file(path: Path, *, declarant_id: int, user_id: int) -> int:
    """What the portal does with an uploaded file (`receive_upload`); with the immediate task
    backend, its processing (`process_upload`) runs when the upload is committed. Returns its id."""
    from django.core.files.uploadedfile import UploadedFile

    from certipro.accounts.models import User
    from certipro.actions.models import Declarant
    from certipro.declarations.portal.services import receive_upload

    declarant = Declarant.objects.get(pk=declarant_id)
    user = User.objects.get(pk=user_id)
    size = path.stat().st_size
    with path.open("rb") as stream:
        uploaded = UploadedFile(file=stream, name=path.name, content_type="text/csv", size=size)
        # The portal refuses files above CERTIPRO_UPLOAD_MAX_BYTES (20 MB by default); the benchmark
        # passes the file's own size, as if the setting had been raised.
        return receive_upload(declarant=declarant, user=user, uploaded=uploaded, max_bytes=size).pk


def upload_report(upload_id: int) -> dict[str, Any]:
    from certipro.declarations.models import FileUpload

    upload = FileUpload.objects.get(pk=upload_id)
    processing = (
        (upload.finished_at - upload.started_at).total_seconds()
        if upload.finished_at and upload.started_at
        else None
    )
    return {
        "upload_id": upload.pk,
        "status": upload.status,
        "bytes": upload.size,
        "lines": upload.total_lines,
        "processed": upload.processed_lines,
        "accepted": upload.accepted,
        "updated": upload.updated,
        "duplicates": upload.duplicates,
        "rejected": upload.rejected,
        "processing_seconds": processing,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def child(path: Path, *, declarant_id: int, user_id: int) -> dict[str, Any]:
    started = time.perf_counter()
    upload_id = receive_file(path, declarant_id=declarant_id, user_id=user_id)
    return {**upload_report(upload_id), "seconds": time.perf_counter() - started}


@dataclass
class Sample:
    seconds: float
    processed: int
    rss_kb: int


@dataclass
class Watch:
    samples: list[Sample] = field(default_factory=list)
    hwm_kb: int = 0


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_child(
    path: Path, *, declarant_id: int, user_id: int, log: Callable[[str], Any] = print
) -> tuple[dict[str, Any], Watch]:
    from certipro.declarations.models import FileUpload

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CERTIPRO_DEBUG": "0",
        "CERTIPRO_SECRET_KEY": os.environ.get("CERTIPRO_SECRET_KEY", "bench-" + "x" * 40),
        "CERTIPRO_TASKS_BACKEND": "immediate",
        "CERTIPRO_MEDIA_ROOT": str(MEDIA),
    }
    command = [sys.executable, "-m", "bench.csv_memory", "--child", str(path)]
    command += ["--declarant-id", str(declarant_id), "--user-id", str(user_id)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    watch = Watch()
    started = time.perf_counter()
    last_sample = last_log = 0.0
    while process.poll() is None:
        now = time.perf_counter() - started
        watch.hwm_kb = max(watch.hwm_kb, _status_kb(process.pid, "VmHWM"))
        if now - last_sample >= 5:
            last_sample = now
            upload = FileUpload.objects.filter(declarant__name=NAME).order_by("-pk").first()
            processed = upload.processed_lines if upload else 0
            watch.samples.append(Sample(now, processed, _status_kb(process.pid, "VmRSS")))
            if now - last_log >= 60:
                last_log = now
                log(f"  {now:.0f}s: {processed} lines processed, RSS {watch.samples[-1].rss_kb // 1024} MB")
        time.sleep(0.5)
    out, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the child failed ({process.returncode}): {out[-2000:]}")
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return report, watch


def run(lines: int, *, seed: int = 1, log: Callable[[str], Any] = print) -> dict[str, Any]:
    from django.utils import timezone

    from bench.declarations import cleanup, declarations, protect, sample_people, setup

    today = timezone.localdate()
    rng = random.Random(seed)
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"declarations-{lines}.csv"
    declarant, _ = setup()
    try:
        user = setup_staff(declarant)
        started = time.perf_counter()
        people = sample_people(max(min(lines // 10, 100_000), 10), rng=rng, today=today)
        written = write_csv(path, declarations(people, lines, rng=rng, today=today, tag=f"CSV{lines}"))
        protect(people, read_csv(path))
        log(
            f"{written} lines for {len(people)} people written ({path.stat().st_size / 1e6:.0f} MB) and "
            f"protected in {time.perf_counter() - started:.0f}s"
        )
        report, watch = run_child(path, declarant_id=declarant.pk, user_id=user.pk, log=log)
        report["hwm_kb_polled"] = watch.hwm_kb
        report["samples"] = [(round(s.seconds), s.processed, s.rss_kb) for s in watch.samples]
        report["people"] = len(people)
        processing = report["processing_seconds"] or report["seconds"]
        report["lines_per_second"] = report["processed"] / processing if processing else None
        log(
            f"{lines} lines: {report['status']}, accepted {report['accepted']}, "
            f"rejected {report['rejected']}, "
            f"duplicates {report['duplicates']}; receive+process {report['seconds']:.0f}s, processing "
            f"{processing:.0f}s ({report['lines_per_second']:.0f} lines/s); peak RSS "
            f"{report['maxrss_kb'] / 1024:.0f} MB (polled VmHWM {watch.hwm_kb / 1024:.0f} MB)"
        )
        return report
    finally:
        cleanup(log)
        path.unlink(missing_ok=True)
        shutil.rmtree(MEDIA, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, action="append", help="lines of a file (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures there")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--declarant-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--user-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CERTIPRO_MEDIA_ROOT", str(MEDIA))  # where the child stores the file
    import django

    django.setup()
    if args.child:
        print(json.dumps(child(args.child, declarant_id=args.declarant_id, user_id=args.user_id)))
        return
    results = {str(n): run(n, seed=args.seed) for n in args.lines or [100_000]}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps({n: {k: v for k, v in r.items() if k != "samples"} for n, r in results.items()}))


if __name__ == "__main__":
    main()
