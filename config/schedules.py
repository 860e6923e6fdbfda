"""Every periodic task, in one place, with why its schedule is what it is.

Apps add entries here as their capabilities land.
"""

CELERY_BEAT_SCHEDULE: dict = {}
