"""Measuring processes for the benchmark: one JSON command per line in, one JSON answer out.

The bench command (and each capability's figures, ``<app>/bench.py``) starts one process per
database, so that every figure is measured with the database it is about and the baseline
alternately in the same run:

    probe = ProbeProcess(ctx.env_large, "large", module="myapp.bench")
    got = probe.ask("time", n=10)      # raises ProbeError with the probe's own message
    probe.close()

and the measuring side is a class whose methods are the commands, served by :func:`serve`::

    if __name__ == "__main__":
        sys.exit(serve(MyProbe))
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback


class ProbeError(RuntimeError):
    """A probe answered with an error, or died."""


class ProbeProcess:
    """``python -m <module>`` bound to one database (its environment)."""

    died: type[Exception] = ProbeError

    def __init__(self, env: dict, label: str, *, module: str = "benchmarks.probe"):
        from django.conf import settings

        self.label = label
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module], cwd=settings.BASE_DIR, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None,
        )

    def call(self, cmd: str, **kwargs) -> dict:
        """The probe's answer as it is (it may hold an "error")."""
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kwargs}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise self.died(f"the {self.label} probe died (see its output above)")
        return json.loads(line)

    def ask(self, cmd: str, **kwargs) -> dict:
        """The probe's answer; an error it reports is raised."""
        got = self.call(cmd, **kwargs)
        if "error" in got:
            raise ProbeError(f"{self.label}: {got['error']}")
        return got

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()


def timed(call, *, n: int, warmup: int = 0) -> tuple[object, dict]:
    """``call()`` warmed up, then once with its queries captured, then ``n`` times timed.

    Returns the captured call's result (to check it answered right) and
    ``{"times": [...], "queries": count, "sql": [first 300 characters of each]}``.
    """
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        call()
    with CaptureQueriesContext(connection) as ctx:
        first = call()
    # Read them now: the next request's request_started signal empties the log.
    sql = [q["sql"][:300] for q in ctx.captured_queries]
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return first, {"times": times, "queries": len(sql), "sql": sql}


def alternate(probes: dict, key: str, *, rounds: int, per_round: int, warmup: int, order=("baseline", "large")) -> tuple[dict, dict]:
    """Time ``probes[which].call("time", key=…)`` in alternating rounds over the databases (both
    see the same machine); ({which: [seconds …]}, {which: queries}). A probe's error is raised
    as ProbeError naming the database."""
    times, queries = {which: [] for which in order}, {}
    for r in range(rounds):
        for which in order:
            got = probes[which].call("time", key=key, n=per_round, warmup=warmup if r == 0 else 0)
            if "error" in got:
                raise ProbeError(f"{which}: {got['error']}")
            times[which] += got["times"]
            queries[which] = got["queries"]
    return times, queries


def submission_rates(probe: ProbeProcess, modes: tuple[str, str], *, rounds: int, per: int, warmup: int) -> tuple[dict, dict]:
    """Alternate ``probe.ask("submit", mode=…)`` between two modes; submissions per second of each."""
    spent = {m: 0.0 for m in modes}
    done = {m: 0 for m in modes}
    for r in range(rounds):
        for mode in modes:
            got = probe.ask("submit", mode=mode, n=per, warmup=warmup if r == 0 else 0)
            spent[mode] += sum(got["times"])
            done[mode] += len(got["times"])
    return {m: done[m] / spent[m] if spent[m] else 0.0 for m in modes}, done


def close_all(probes: dict, *, cleanup: bool = True) -> None:
    """Ask each probe to remove what it wrote (when it can), then stop it."""
    for probe in probes.values():
        if cleanup:
            try:
                probe.ask("cleanup")
            except (ProbeError, OSError, ValueError):
                pass
        probe.close()


def setup_django() -> None:
    """Django as the server runs it: DEBUG off (query logging off), the settings of the environment."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def serve(probe_class) -> int:
    """Answer commands from stdin with ``probe_class()``'s methods until "quit"."""
    setup_django()
    probe = probe_class()
    out = sys.stdout
    sys.stdout = sys.stderr  # stray prints must not corrupt the protocol
    for line in sys.stdin:
        try:
            msg = json.loads(line)
            cmd = msg.pop("cmd")
            if cmd == "quit":
                break
            result = getattr(probe, cmd)(**msg)
        except Exception as exc:  # noqa: BLE001 - sent back to the orchestrator
            result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        out.write(json.dumps(result) + "\n")
        out.flush()
    return 0


# --- one-shot measuring processes ---------------------------------------------------------------

def run_python(code: str, env: dict, *args) -> dict:
    """Run ``python -c code args…`` in the project; its last stdout line is a JSON answer."""
    from django.conf import settings

    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env, capture_output=True, text=True,
                          cwd=settings.BASE_DIR)
    if done.returncode:
        raise ProbeError(done.stderr[-1500:])
    return json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}


# The peak memory is the process's own high-water mark (VmHWM of its address space after exec):
# wait4's ru_maxrss would also count the pages the child shared with the parent before exec,
# i.e. whatever the bench command itself held at that moment.
RUN_JOB = r"""
import json, sys, time
import django
django.setup()
from core import jobs
from core.models import Job
t = time.perf_counter()
outcome = jobs.run(int(sys.argv[1]))
seconds = time.perf_counter() - t
job = Job.objects.get(pk=int(sys.argv[1]))
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "seconds": seconds, "rows": job.result.get("rows"), "error": job.error[-500:],
                  "rss_mb": hwm / 1024}))
"""


def run_job(job_id: int, env: dict) -> dict:
    """Do what a Celery worker does with a job's message (``core.jobs.run``) in a fresh process.

    Returns ``seconds`` (the run), ``wall`` (the whole process), ``rss_mb`` (its peak memory) and
    the job's ``rows``; a job that does not end done is an error.
    """
    import time

    started = time.perf_counter()
    got = run_python(RUN_JOB, env, job_id)
    got["wall"] = time.perf_counter() - started
    if got["outcome"] != "done":
        raise ProbeError(f"job {job_id} ended {got['outcome']}: {got.get('error')}")
    return got
