"""Sign-ins with one and with two server instances over one PostgreSQL database (issue 11).

Both set-ups run at once on the same database with the same total number of gunicorn workers
(one per core): one instance with all of them, and two instances with half each. Rounds
alternate between the set-ups, so both see the same machine. Server CPU is that of every
gunicorn process on the database (the idle set-up's workers poll the outbox and may deliver
some of the measured set-up's side effects) plus that of PostgreSQL (every process of the
cluster but the benchmark's own connection), since with PostgreSQL part of a sign-in's work
is done there.
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from benchmarks._gunicorn import (
    Gunicorn,
    child_pids,
    initialise,
    process_cpu_seconds,
)
from benchmarks.report import Figure, Sample
from benchmarks.server_load import (
    LOADERS,
    LOGINS_PER_ROUND,
    ROUNDS,
    WORKERS,
    LoadRunner,
    _load_pool,
    _split,
    load_logins,
)
from tests.postgres_cluster import Cluster, PostgresUnavailable, throwaway_postgres

INSTANCES = 2
DRAIN_DEADLINE = 30.0

NOTES: list[str] = []


class Servers:
    """Every gunicorn instance over the PostgreSQL cluster, measured as one server."""

    def __init__(
        self, instances: list[Gunicorn], cluster: Cluster, watcher: psycopg.Connection[Any]
    ) -> None:
        self.instances = instances
        self.cluster = cluster
        self.watcher = watcher

    def cpu_seconds(self) -> tuple[tuple[int, ...], float]:
        """The gunicorn pids (to notice a replaced worker) and the CPU time of those
        processes plus PostgreSQL's: the postmaster with the backends it has reaped, and its
        living children except the benchmark's watching connection."""
        pids: list[int] = []
        seconds = 0.0
        for instance in self.instances:
            some, spent = instance.cpu_seconds()
            pids.extend(some)
            seconds += spent
        postmaster = self.cluster.postmaster
        seconds += process_cpu_seconds(postmaster, reaped_children=True)
        for child in child_pids(postmaster):
            if child != self.watcher.info.backend_pid:
                with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                    seconds += process_cpu_seconds(child)
        return tuple(pids), seconds

    def wait_for_effects(self) -> None:
        deadline = time.monotonic() + DRAIN_DEADLINE
        while True:
            row = self.watcher.execute(
                "SELECT count(*) FROM outbox_events WHERE done_at IS NULL"
            ).fetchone()
            if not row or not row[0]:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"outbox not drained within {DRAIN_DEADLINE} s")
            time.sleep(0.1)


def _login_args(setup: list[Gunicorn], usernames: list[str], total: int) -> list[tuple[Any, ...]]:
    # One account per load process (see server_load), the processes dealt over the instances.
    counts = _split(total, LOADERS)
    return [(setup[i % len(setup)].url, usernames[i], counts[i]) for i in range(LOADERS)]


def _measure(cluster: Cluster) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Logins per wall-clock second and per server CPU-second of each set-up, per round."""
    data_dir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    environment = {"DATABASE_URL": cluster.url}
    one = [Gunicorn(data_dir, WORKERS, environment)]
    two = [Gunicorn(data_dir, max(1, WORKERS // INSTANCES), environment) for _ in range(INSTANCES)]
    usernames = [f"user{i}" for i in range(LOADERS)]
    walls: dict[str, list[float]] = {"one": [], "two": []}
    per_cpu: dict[str, list[float]] = {"one": [], "two": []}
    try:
        # The issuer is fixed (what clients would be told) and the same for every instance.
        initialise(data_dir, one[0].url, usernames, database_url=cluster.url)
        for instance in one + two:
            instance.start()
        with (
            psycopg.connect(cluster.url.replace("+psycopg", ""), autocommit=True) as watcher,
            _load_pool() as pool,
        ):
            servers = Servers(one + two, cluster, watcher)
            setups = {"one": one, "two": two}
            runner = LoadRunner(pool)
            for setup in setups.values():  # first sign-ins: welcome mails, worker warm-up
                runner.run(load_logins, _login_args(setup, usernames, LOADERS))
            for _ in range(ROUNDS):
                for name, setup in setups.items():
                    rate, wall, _ = runner.per_cpu_second(
                        servers, load_logins, _login_args(setup, usernames, LOGINS_PER_ROUND)
                    )
                    per_cpu[name].append(rate)
                    walls[name].append(wall)
    finally:
        for instance in one + two:
            instance.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return walls, per_cpu


def run() -> list[Figure]:
    NOTES.clear()
    try:
        with throwaway_postgres() as cluster:
            walls, per_cpu = _measure(cluster)
    except PostgresUnavailable as exc:
        NOTES.append(f"- `server_scale`: not measured: {exc}.")
        return []
    half = max(1, WORKERS // INSTANCES)
    setups = (
        f"{INSTANCES} gunicorn instances with {half} worker(s) each on different ports",
        f"one gunicorn instance with {WORKERS} workers",
    )
    fair = (
        f"Challenge + code exchange, {LOADERS} load processes (one account each) dealt over the "
        f"instances, {LOGINS_PER_ROUND} sign-ins a round, {ROUNDS} rounds alternating between "
        f"the set-ups, which run at once over one PostgreSQL database with the same total of "
        f"{WORKERS} workers on {WORKERS} cores (shared with the load generator and PostgreSQL)."
    )
    NOTES.append(
        f"- Sign-ins over PostgreSQL, wall-clock: {statistics.median(walls['two']):.1f}/s with "
        f"{setups[0]}, {statistics.median(walls['one']):.1f}/s with {setups[1]}; per server "
        f"CPU-second {statistics.median(per_cpu['two']):.1f} and "
        f"{statistics.median(per_cpu['one']):.1f}. The issue sets no target. On one machine a "
        "second instance cannot add cores: the comparison shows what splitting the same "
        "workers over two instances on one database costs or gains."
    )
    cpu = (
        "Per CPU-second of every gunicorn master and worker of both set-ups (the idle one's "
        "workers poll the outbox and may deliver some of the measured one's side effects) plus "
        "every PostgreSQL process (the postmaster with the backends it reaped, and the living "
        "ones; not the benchmark's own connection that waits for the outbox), read from /proc "
        "around each round, after its outbox effects were delivered."
    )
    return [
        Figure(
            name=f"server sign-ins {what}, two instances vs one (gunicorn, PostgreSQL)",
            measured=Sample(tuple(rates["two"])),
            baseline=Sample(tuple(rates["one"])),
            unit=unit,
            scale=1,
            baseline_name=setups[1],
            note=f"Measured: {setups[0]}. {how} {fair}",
        )
        for what, rates, unit, how in (
            ("per second", walls, "logins/s", "Wall-clock sign-ins per second."),
            ("per CPU-second", per_cpu, "logins/s/core", cpu),
        )
    ]
