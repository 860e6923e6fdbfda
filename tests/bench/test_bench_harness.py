"""The benchmark harness runs end to end (a tiny configuration), so it cannot rot unnoticed.

`manage.py bench` runs as a subprocess against two databases of its own on the
test run's PostgreSQL server (``<test database>_harness`` and ``…_harness_baseline``),
because gunicorn and the probe processes must see committed data; it needs
PostgreSQL (the command refuses SQLite), so on SQLite this module is skipped.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

ROOT = Path(settings.BASE_DIR)


def test_the_bare_benchmark_view_is_not_in_the_project_urls():
    with pytest.raises(NoReverseMatch):
        reverse("bench_insert")
    assert settings.ECOGRID_BENCH_VIEWS is False


def test_the_benchmark_urlconf_refuses_to_load_unless_enabled():
    import importlib

    sys.modules.pop("benchmarks.urls", None)
    with pytest.raises(ImproperlyConfigured, match="ECOGRID_BENCH_VIEWS"):
        importlib.import_module("benchmarks.urls")
    with override_settings(ECOGRID_BENCH_VIEWS=True):
        sys.modules.pop("benchmarks.urls", None)
        urls = importlib.import_module("benchmarks.urls")
        assert any(getattr(p, "name", "") == "bench_insert" for p in urls.urlpatterns)
    sys.modules.pop("benchmarks.urls", None)


def test_bench_refuses_sqlite_with_a_clear_message(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "bench", "--small"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0
    assert "bench needs PostgreSQL" in done.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark needs PostgreSQL (gunicorn and probes share it)")
def test_the_small_configuration_runs_end_to_end_and_prints_every_figure(tmp_path, django_db_blocker):
    base_name = (settings.DATABASES["default"].get("TEST", {}).get("NAME") or "test_ecogrid") + "_harness"
    url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + base_name))
    out_json = tmp_path / "figures.json"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    try:
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "bench", "--small", "--cases", "2000", "--baseline-cases", "200",
             "--iterations", "3", "--load-requests", "40", "--load-seconds", "10", "--json", str(out_json)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        figures = json.loads(out_json.read_text(encoding="utf-8"))
        rows = {r["figure"]: r for r in figures["rows"]}
        # The table was printed, with the machine it ran on.
        assert " figure " in done.stdout and "| value " in done.stdout and "machine:" in done.stdout
        assert figures["large"]["cases"] == 2000 and figures["baseline"]["cases"] == 200
        # Every figure was measured or said why not: no ERROR (a broken harness); "info" rows
        # (e.g. the candidate .xlsx writers) carry a figure without a goal.
        assert all(r["verdict"] in {"ok", "MISSED", "n/a", "info"} for r in rows.values()), rows
        # The figures that exist now are measured (not "not available").
        measured = {f for f, r in rows.items() if r["verdict"] != "n/a"}
        assert any(f.startswith("staff case list (cases:list), deep page: queries") for f in measured)
        assert any(f.startswith("case detail (cases:detail): server time") for f in measured)
        assert "scoping: a street officer's case count via grids.scoping" in measured
        assert any(f.startswith("inspection submit") for f in measured)
        submission = next(r for f, r in rows.items() if f.startswith("case submission"))
        assert submission["verdict"] != "n/a"
        assert submission["raw"]["value"] > 0 and submission["raw"]["baseline"] > 0
        for f, r in rows.items():
            if f.endswith(": server time"):
                assert r["raw"]["value_s"] > 0 and r["raw"]["baseline_s"] > 0
        assert any(f.startswith("phone home (grids:mobile_home): server time") for f in measured)  # field speed
        # --only: one capability's figures on the databases seeded above, nothing else.
        only_json = tmp_path / "only.json"
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "bench", "--small", "--cases", "2000", "--baseline-cases", "200",
             "--iterations", "3", "--only", "benchmarks", "--json", str(only_json)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        only = [r["figure"] for r in json.loads(only_json.read_text(encoding="utf-8"))["rows"]]
        assert only and all(f.startswith(("phone home", "inspection start", "a place's page", "report form", "department export job")) for f in only), only
        refused = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "bench", "--small", "--cases", "2000", "--baseline-cases", "200", "--only", "nosuch"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert refused.returncode != 0 and "no figures for nosuch" in refused.stderr
    finally:
        with django_db_blocker.unblock(), connection._nodb_cursor() as cur:
            for name in (base_name, f"{base_name}_baseline"):
                cur.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
