"""Real Celery workers for tests: each test run gets a queue of its own on the broker.

Two test runs sharing one Redis (a developer's and CI's, or two developers') must not steal
each other's messages, so the producer here and the worker listen on a queue named for this
run (``ecogrid-test-<pid>-<random>``); the Redis database comes from CELERY_BROKER_URL.

- ``producer(queue)``: makes this process send tasks to the broker (not eagerly) on ``queue``.
- ``worker_thread(queue)``: a worker inside this process (celery.contrib.testing), enough
  for "a message really went through the broker".
- ``WorkerProcess(queue)``: a separate ``celery worker`` process against the committed test
  database, which a test can SIGKILL mid-task as an out-of-memory killer or a crash would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery_app import app

BROKER = settings.CELERY_BROKER_URL or "redis://127.0.0.1:6379/15"
ROOT = Path(settings.BASE_DIR)


def new_queue() -> str:
    return f"ecogrid-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _reset_app():
    # Celery caches the broker connection pool and the result backend: drop both.
    app.close()
    app._local.__dict__.pop("backend", None)
    app.__dict__.pop("amqp", None)


_ABSENT = object()


def _set(values: dict) -> dict:
    """Set Celery settings; the CELERY_-prefixed keys read from Django settings win over plain ones.

    Returns what to put back: the earlier value of each key in Celery's changes, or _ABSENT
    (restoring an absent key as None would hide Celery's default, e.g. broker_transport_options).
    """
    saved = {}
    for key, value in values.items():
        for name in (key, "CELERY_" + key.upper()):
            saved[name] = app.conf.changes.get(name, _ABSENT)
            app.conf[name] = value
    return saved


def _restore(saved: dict) -> None:
    for name, value in saved.items():
        if value is _ABSENT:
            app.conf.changes.pop(name, None)
        else:
            app.conf[name] = value


@contextlib.contextmanager
def producer(queue: str, broker: str = BROKER):
    saved = _set({
        "broker_url": broker, "result_backend": BROKER, "task_always_eager": False, "task_default_queue": queue,
        "broker_connection_timeout": 2, "broker_transport_options": {"max_retries": 0},
    })
    # Celery reads the CELERY_BROKER_URL environment variable before any setting.
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = broker
    _reset_app()
    try:
        yield app
    finally:
        _restore(saved)
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        _reset_app()


@contextlib.contextmanager
def worker_thread(queue: str):
    from celery.contrib.testing.worker import start_worker

    with producer(queue):
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]):
            yield app


class WorkerProcess:
    """``celery -A config worker`` on ``queue`` in its own process, bound to the test database."""

    def __init__(self, queue: str, *, extra_env: dict | None = None):
        self.queue = queue
        db = connection.settings_dict
        if connection.vendor != "postgresql":
            raise RuntimeError("a worker process needs the PostgreSQL test database")
        url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        env = dict(os.environ)
        env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "0", "DATABASE_URL": url,
            "CELERY_BROKER_URL": BROKER, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        })
        self.log = open(Path(settings.MEDIA_ROOT) / f"worker-{queue}.log", "w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-Q", queue, "-l", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.output():
                return
            if self.proc.poll() is not None:
                raise RuntimeError("the worker exited:\n" + self.output()[-3000:])
            time.sleep(0.2)
        raise RuntimeError("the worker did not start:\n" + self.output()[-3000:])

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no chance to ack or to record anything."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def __enter__(self):
        self.wait_ready()
        return self

    def __exit__(self, *exc):
        self.stop()


def wait_for(predicate, timeout: float = 60, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")
