"""A measuring process bound to one database: ``python -m benchmarks.probe``.

``manage.py bench`` starts one probe per database (10 k and 1 M) and alternates
between them, so both measurements see the same machine conditions; each probe
keeps its process warm (imports, templates, connection) like a web worker does.
It speaks JSON lines on stdin/stdout:

    {"cmd": "prepare"}                       -> targets (URLs, rows, case number) per figure
    {"cmd": "time", "key": "...", "n": 20}    -> {"times": [...], "queries": 7, "status": 200}
    {"cmd": "scope", "mode": "orm"|"sql", "n": 20}
    {"cmd": "quit"}

Requests go through ``django.test.Client`` in-process with DEBUG off: the whole
Django stack (middleware, session, auth, view, template) without a socket.
"""

from __future__ import annotations

import sys
import time

from benchmarks.probing import serve, timed


class Probe:
    def __init__(self):
        from django.test import Client

        from . import targets

        self.targets = targets
        self.clients: dict[str, Client] = {}
        self.urls: dict[str, str] = {}
        self.Client = Client

    def client(self, role: str):
        if role not in self.clients:
            c = self.Client(raise_request_exception=False)
            c.force_login(self.targets.user(role), backend="django.contrib.auth.backends.ModelBackend")
            self.clients[role] = c
        return self.clients[role]

    # -- commands -------------------------------------------------------------------------------
    def prepare(self) -> dict:
        """Resolve every figure's URL; errors and "not available" are per figure."""
        from cases.models import Case, CaseEvent

        out: dict[str, dict] = {"cases": Case.objects.count()}
        for spec in self.targets.PAGES:
            try:
                target = spec.target(self.targets.user(spec.role))
            except self.targets.NotAvailable as exc:
                out[spec.key] = {"unavailable": str(exc)}
                continue
            except Exception as exc:  # noqa: BLE001 - reported in the table
                out[spec.key] = {"error": f"{type(exc).__name__}: {exc}"}
                continue
            if target.marker:
                page = self.client(spec.role).get(target.deep)
                if page.status_code != 200 or target.marker not in page.content.decode("utf-8", "replace"):
                    out[spec.key] = {"error": f"{target.deep} does not show {target.marker}, the row after its cursor: "
                                              "has the page's cursor parameter changed? (benchmarks/targets.py)"}
                    continue
            self.urls[f"{spec.key}_first"] = (spec.role, target.first)
            self.urls[f"{spec.key}_deep"] = (spec.role, target.deep)
            out[spec.key] = {"first": target.first, "deep": target.deep, "rows": target.rows}
        try:
            officer = self.targets.user("street_officer")
            number = self.targets.detail_case_number(officer)
            self.urls["detail"] = ("street_officer", self.targets.url("cases:detail", number))
            events = CaseEvent.objects.filter(case__number=number).count()
            out["detail"] = {"url": self.urls["detail"][1], "number": number, "events": events}
        except self.targets.NotAvailable as exc:
            out["detail"] = {"unavailable": str(exc)}
        except Exception as exc:  # noqa: BLE001
            out["detail"] = {"error": f"{type(exc).__name__}: {exc}"}
        out["inspection"] = self._prepare_inspection()
        return out

    def _prepare_inspection(self) -> dict:
        from inspections.models import Inspection

        try:
            gw = self.targets.user("grid_worker")
            self.place = self.targets.inspection_place(gw)
            self.targets.inspection_cleanup(self.place)
            draft = self.targets.inspection_draft(gw, self.place)
        except self.targets.NotAvailable as exc:
            return {"unavailable": str(exc)}
        except Exception as exc:  # noqa: BLE001
            return {"error": f"{type(exc).__name__}: {exc}"}
        self.urls["inspection_open"] = ("grid_worker", self.targets.url("inspections:inspection", draft.client_uuid))
        return {
            "items": draft.scene.items.count(),
            "inspections": Inspection.objects.filter(status=Inspection.Status.SUBMITTED).count(),
        }

    def submit_inspections(self, n: int, warmup: int = 0) -> dict:
        """Submit fresh drafts (every item passed) through the real view; time each POST."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        gw = self.targets.user("grid_worker")
        client = self.client("grid_worker")
        times, queries = [], None
        for i in range(warmup + n + 1):
            draft = self.targets.inspection_draft(gw, self.place)
            path = self.targets.url("inspections:submit", draft.client_uuid)
            data = self.targets.inspection_answers(draft)
            if i == warmup:  # one request with its queries recorded, untimed
                with CaptureQueriesContext(connection) as ctx:
                    response = client.post(path, data)
                queries = [q["sql"] for q in ctx.captured_queries]
            else:
                t0 = time.perf_counter()
                response = client.post(path, data)
                if i > warmup:
                    times.append(time.perf_counter() - t0)
            if response.status_code != 302:
                return {"error": f"POST {path} answered {response.status_code}"}
        return {"times": times, "queries": len(queries), "sql": [q[:300] for q in queries]}

    def cleanup(self) -> dict:
        place = getattr(self, "place", None)
        return {"removed": self.targets.inspection_cleanup(place) if place is not None else 0}

    def time(self, key: str, n: int, warmup: int = 0) -> dict:
        role, path = self.urls[key]
        client = self.client(role)
        response, measured = timed(lambda: client.get(path), n=n, warmup=warmup)
        if response.status_code != 200:
            return {"error": f"GET {path} answered {response.status_code}"}
        return measured

    def scope(self, mode: str, n: int) -> dict:
        """A street officer's scoped count of cases, or the grants lookup behind it.

        ``pair``: ``scope(Case.objects.all(), officer).count()`` with the officer's grants
        already read (as for every scoped query after the first in a request), alternating
        request by request with the same count as hand-written SQL (returned as
        ``times`` and ``sql_times``); ``grants``: ``scope_paths`` for a freshly loaded
        user (the one grants query a request makes).
        """
        from django.contrib.auth import get_user_model
        from django.db import connection

        from cases.models import Case
        from grids.scoping import scope, scope_paths

        name = self.targets.usernames()["street_officer"]
        User = get_user_model()
        paths = scope_paths(User.objects.get(username=name))
        sql = "SELECT count(*) FROM cases_case WHERE " + " OR ".join(["region_path LIKE %s"] * len(paths))
        times, sql_times, count, sql_count = [], [], None, None
        for _ in range(n):
            officer = User.objects.get(username=name)
            if mode == "grants":
                t0 = time.perf_counter()
                count = len(scope_paths(officer))
                times.append(time.perf_counter() - t0)
                continue
            scope_paths(officer)
            t0 = time.perf_counter()
            count = scope(Case.objects.all(), officer).count()
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(sql, [p + "%" for p in paths])
                sql_count = cur.fetchone()[0]
            sql_times.append(time.perf_counter() - t0)
        return {"times": times, "sql_times": sql_times, "rows": count, "sql_rows": sql_count}


if __name__ == "__main__":
    sys.exit(serve(Probe))
