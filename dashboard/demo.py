"""Demo data of the dashboard: its rollups, rebuilt after every app's demo cases exist.

The cases demo moves timestamps back in time with a queryset update (no timeline event),
so the rollups are rebuilt here rather than left to the incremental refresh. Idempotent.
"""

DEMO_ORDER = 900  # after every app that makes cases


def seed(ctx) -> None:
    from .rollup import rebuild

    n = rebuild()
    ctx.say(f"dashboard: {n} cases counted")
