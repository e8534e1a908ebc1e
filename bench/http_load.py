"""A small HTTP load generator: concurrent clients on keep-alive connections, each checking its answers.

    from bench.http_load import Target, run
    targets = [Target("/mon-espace/", {"Cookie": "sessionid=…"}, expect=b"RPPS 1")]
    result = run("127.0.0.1", 8000, targets, clients=8, duration=20)
    print(result.rate, result.percentile(0.95), result.failures)

Each client is its own process (so that the clients' Python does not share one GIL), with one
persistent `http.client` connection (HTTP/1.1 keep-alive), reopened only if the server closes it.
A client walks the targets in its own random order, over and over, until the round's deadline (or
its share of a request count); it times each request from sending to the last byte of the body,
and counts as a failure any answer that is not the expected status or lacks the expected bytes.
All clients start together (they connect first, then wait for one signal). No Django here.
"""

from __future__ import annotations

import http.client
import multiprocessing
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CONNECTION_ERRORS = (http.client.HTTPException, ConnectionError, TimeoutError, OSError)


@dataclass(frozen=True)
class Target:
    """One request: its path, its headers (the session cookie), what a good answer contains."""

    path: str
    headers: dict[str, str] = field(default_factory=dict)
    expect: bytes = b""
    status: int = 200


@dataclass
class Result:
    """One round: every client's requests, their latencies (seconds) and failures."""

    requests: int = 0
    failures: int = 0
    seconds: float = 0.0  # from the common start to the last answer of the slowest client
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # a few examples
    reconnections: int = 0
    bytes: int = 0

    @property
    def rate(self) -> float:
        """Answers per second (good or not: failures are reported apart and should be 0)."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "failures": self.failures,
            "seconds": round(self.seconds, 3),
            "rate": round(self.rate, 1),
            "p50_ms": round(self.percentile(0.50) * 1000, 2),
            "p95_ms": round(self.percentile(0.95) * 1000, 2),
            "p99_ms": round(self.percentile(0.99) * 1000, 2),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2) if self.latencies else None,
            "bytes_per_answer": round(self.bytes / self.requests) if self.requests else 0,
            "statuses": dict(self.statuses),
            "reconnections": self.reconnections,
            "errors": self.errors[:5],
        }


class _Client:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.connection: http.client.HTTPConnection | None = None
        self.reconnections = -1  # the first connection is not a reconnection

    def get(self, target: Target) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.reconnections += 1
        try:
            self.connection.request("GET", target.path, headers=target.headers)
            response = self.connection.getresponse()
            body = response.read()
        except CONNECTION_ERRORS:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, body

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _client(
    host: str,
    port: int,
    targets: list[Target],
    seed: int,
    duration: float | None,
    count: int | None,
    timeout: float,
    ready: Any,
    go: Any,
    start_at: Any,
    results: Any,
) -> None:
    client = _Client(host, port, timeout)
    order = list(targets)
    random.Random(seed).shuffle(order)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    failures = size = 0
    try:
        client.connection = http.client.HTTPConnection(host, port, timeout=timeout)
        client.connection.connect()
        client.reconnections = 0
    except OSError as error:
        errors.append(f"connect: {error!r}")
    ready.release()
    go.wait()
    deadline = start_at.value + duration if duration is not None else float("inf")
    n = 0
    clock = time.perf_counter
    while (count is None or n < count) and time.monotonic() < deadline:
        target = order[n % len(order)]
        n += 1
        began = clock()
        try:
            status, body = client.get(target)
        except CONNECTION_ERRORS as error:
            latencies.append(clock() - began)
            failures += 1
            statuses[0] += 1
            if len(errors) < 5:
                errors.append(f"{target.path}: {error!r}")
            continue
        latencies.append(clock() - began)
        statuses[status] += 1
        size += len(body)
        if status != target.status or target.expect not in body:
            failures += 1
            if len(errors) < 5:
                errors.append(f"{target.path}: status {status}, {body[:200]!r}")
    ended = time.monotonic()
    client.close()
    results.put((latencies, failures, dict(statuses), errors, ended, client.reconnections, size))


def run(
    host: str,
    port: int,
    targets: list[Target],
    *,
    clients: int = 8,
    duration: float | None = None,
    requests: int | None = None,
    seed: int = 0,
    timeout: float = 60.0,
    split: bool = False,
) -> Result:
    """`clients` concurrent keep-alive clients for `duration` seconds (or `requests` in all).

    Each client walks all the targets in its own order; with `split`, client i walks only every
    `clients`-th target from the i-th, so that `requests=len(targets)` asks each exactly once."""
    if not targets:
        raise ValueError("no targets")
    if (duration is None) == (requests is None):
        raise ValueError("give either a duration or a number of requests")
    context = multiprocessing.get_context("fork")
    ready, go = context.Semaphore(0), context.Event()
    start_at = context.Value("d", 0.0)
    results = context.Queue()
    shares: list[int | None] = [None] * clients
    if split and clients > len(targets):
        clients = len(targets)  # no client without a target
    if requests is not None:
        shares = [requests // clients + (i < requests % clients) for i in range(clients)]
    processes = [
        context.Process(
            target=_client,
            args=(
                host,
                port,
                targets[i::clients] if split else targets,
                seed * 1000 + i,
                duration,
                shares[i],
                timeout,
                ready,
                go,
                start_at,
                results,
            ),
            daemon=True,
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    start_at.value = time.monotonic()
    go.set()
    result = Result()
    last = start_at.value
    for _ in processes:
        latencies, failures, statuses, errors, ended, reconnections, size = results.get()
        result.latencies.extend(latencies)
        result.requests += len(latencies)
        result.failures += failures
        result.statuses.update(statuses)
        result.errors.extend(errors)
        result.reconnections += reconnections
        result.bytes += size
        last = max(last, ended)
    for process in processes:
        process.join()
    result.seconds = last - start_at.value
    return result
