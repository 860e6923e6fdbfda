"""Seed step for the benchmark databases: the dashboard's facts and rollups of the seeded cases.

The seeder writes cases and their timelines in bulk (no service runs), so the rollups are
computed here in one pass, exactly as ``manage.py dashboard_rebuild`` would, and the refresh
watermark is put after the last seeded event.
"""

from benchmarks.seed import register


@register("dashboard", models=("dashboard.CaseFact", "dashboard.CaseRollup", "dashboard.RefreshState"), after="inspections")
def seed_dashboard(ctx) -> int:
    from .models import CaseRollup
    from .rollup import rebuild

    n = rebuild(out=None, batch=10000, margin=0)
    rows = CaseRollup.objects.count()
    ctx.out(f"  dashboard: {n:,} case facts, {rows:,} rollup rows")
    return n + rows
