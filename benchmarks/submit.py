"""The submission figure: the real report form vs a bare insert view, under gunicorn.

gunicorn serves benchmarks.wsgi (the project plus the bare view, ECOGRID_BENCH_VIEWS=1)
with 2 sync workers on the large database; benchmarks.load drives it from a second
process with a fixed request count and time limit. On machines with more than two
CPUs gunicorn is pinned to two of them and the load generator to the others.

The grid worker ``bench_reporter`` (created here, not by the seeder) submits; every
response is checked (a 302 to the new case) and afterwards the database must hold
exactly one new case per successful submission. The rows written are deleted at
the end (and at the start, after an interrupted run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from . import report
from .views import BARE_PREFIX

REPORTER = "bench_reporter"


class NotAvailable(Exception):
    pass


def _cpus() -> tuple[set[int] | None, set[int] | None]:
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:
        return None, None
    if len(cpus) <= 2:
        return None, None
    return set(cpus[:2]), set(cpus[2:])


def _reporter():
    """The bench grid worker, holding the district's first grid (created once per database)."""
    from django.contrib.auth import get_user_model

    from core.demo import DEMO_PASSWORD
    from grids.models import Region, StaffProfile
    from grids.services import staff_create

    from .targets import usernames

    grid_code = usernames()["grid_worker"].split("_", 1)[1]
    grid = Region.objects.filter(code=grid_code).first()
    if grid is None:
        raise RuntimeError(f"grid {grid_code} is missing: is the database seeded by seed_scale?")
    user = get_user_model().objects.filter(username=REPORTER).first()
    if user is None:
        user = staff_create(username=REPORTER, password=DEMO_PASSWORD, full_name="压测网格员", role=StaffProfile.Role.GRID_WORKER, regions=[grid])
    return user, grid


def cleanup(user=None) -> int:
    """Delete the cases the benchmark wrote (bench reporter's and the bare view's)."""
    from cases.models import Case, CaseEvent

    q = Q(number__startswith=BARE_PREFIX)
    if user is not None:
        q |= Q(reporter=user)
    with transaction.atomic():
        ids = list(Case.objects.filter(q).values_list("id", flat=True))
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            for model in _dependents():
                model.objects.filter(case_id__in=chunk).delete()
            CaseEvent.objects.filter(case_id__in=chunk).delete()
            Case.objects.filter(id__in=chunk).delete()
    return len(ids)


def _dependents():
    """Models other than events that point at a case (notifications, attachments …)."""
    from django.apps import apps

    from cases.models import Case, CaseEvent

    out = []
    for model in apps.get_models():
        if model is CaseEvent:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.many_to_one and f.related_model is Case and f.attname == "case_id":
                out.append(model)
    return out


def _wait_ready(url: str, proc, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def _load(base: str, path: str, token_path: str, session: str, fields: dict, *, requests: int, seconds: float,
          concurrency: int, cpus) -> dict:
    args = [
        sys.executable, "-m", "benchmarks.load", "--base", base, "--path", path, "--token-path", token_path,
        "--session", session, "--fields", json.dumps(fields), "--requests", str(requests), "--seconds", str(seconds),
        "--concurrency", str(concurrency), "--expect", "302",
    ]
    done = subprocess.run(
        args, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=seconds + 120,
        preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
    )
    if done.returncode:
        raise RuntimeError(f"load generator failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def measure(cmd, plan, env: dict, label: str) -> list:
    from django.test import Client

    from cases.models import Case, CaseCategory

    try:
        report_path = reverse("cases:report")
    except NoReverseMatch:
        raise NotAvailable("cases:report not available") from None
    user, grid = _reporter()
    cleanup(user)
    category = (
        CaseCategory.objects.filter(parent__isnull=False, is_active=True, on_discovery=False).order_by("code").first()
    )
    lat = round((grid.min_lat + grid.max_lat) / 2, 6)
    lng = round((grid.min_lng + grid.max_lng) / 2, 6)
    fields = {
        "category": str(category.pk), "description": "压测：路边有散落生活垃圾未清运", "urgency": "",
        "latitude": str(lat), "longitude": str(lng), "address": "压测地址", "place_name": "", "handling_note": "",
        # Read by the bare view only (the form ignores unknown fields):
        "bench_category": str(category.pk), "bench_grid": str(grid.pk), "bench_path": grid.path,
    }
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server_cpus, load_cpus = _cpus()
    gunicorn_env = {**env, "ECOGRID_BENCH_VIEWS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "benchmarks.wsgi:application", "--workers", "2", "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=gunicorn_env,
        preexec_fn=(lambda: os.sched_setaffinity(0, server_cpus)) if server_cpus else None,
    )
    bare_path = "/__bench__/insert/"
    before = Case.objects.filter(reporter=user).count()
    results: dict[str, list[dict]] = {"bare": [], "real": []}
    try:
        _wait_ready(f"{base}/healthz", proc)
        common = dict(concurrency=plan.concurrency, cpus=load_cpus)
        # Warm both paths (imports, templates, connections), then alternate measured runs.
        warm = {
            "bare": _load(base, bare_path, bare_path, session, fields, requests=40, seconds=20, **common),
            "real": _load(base, report_path, report_path, session, fields, requests=40, seconds=20, **common),
        }
        for mode, got in warm.items():
            if got["failed"]:
                raise RuntimeError(f"{mode} warm-up: {got['failed']} failed submissions, statuses {got['statuses']}")
        for _round in range(2):
            for mode, path in (("bare", bare_path), ("real", report_path)):
                got = _load(base, path, path, session, fields, requests=plan.load_requests // 2,
                            seconds=plan.load_seconds / 2, **common)
                results[mode].append(got)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    try:
        real_ok = sum(r["ok"] for r in results["real"])
        bare_ok = sum(r["ok"] for r in results["bare"])
        failed = {m: sum(r["failed"] for r in rs) for m, rs in results.items()}
        written_real = Case.objects.filter(reporter=user).count() - before - warm["real"]["ok"]
        written_bare = Case.objects.filter(number__startswith=BARE_PREFIX).count() - warm["bare"]["ok"]
    finally:
        removed = cleanup(user)
    if failed["real"] or failed["bare"]:
        statuses = {m: [r["statuses"] for r in rs] for m, rs in results.items()}
        return [report.error(label, f"failed submissions {failed}; statuses {statuses}")]
    if written_real != real_ok or written_bare != bare_ok:
        return [report.error(label, f"{real_ok} + {bare_ok} successful responses but {written_real} + {written_bare} rows written")]
    rate = {m: sum(r["ok"] for r in rs) / sum(r["elapsed"] for r in rs) for m, rs in results.items()}
    p50 = {m: sorted(r["p50_ms"] for r in rs)[len(rs) // 2] for m, rs in results.items()}
    cpu = sum(r["cpu_seconds"] for rs in results.values() for r in rs)
    wall = sum(r["elapsed"] for rs in results.values() for r in rs)
    row = report.rate_row(
        f"{label}: submissions/s", rate["real"], rate["bare"], limit=0.5,
        note=(
            f"{real_ok:,} real and {bare_ok:,} bare submissions, concurrency {plan.concurrency}, "
            f"p50 {p50['real']:.0f} ms vs {p50['bare']:.0f} ms; every 302 checked against the rows written "
            f"({removed:,} rows removed afterwards); the load generator used {cpu / wall:.0%} of one CPU"
            + ("" if server_cpus else "; gunicorn, PostgreSQL and the generator share the machine's CPUs")
        ),
    )
    row.raw.update({"results": results})
    return [row]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
