"""Every periodic task, in one place, with why its schedule is what it is.

Apps add entries here as their capabilities land.
"""

CELERY_BEAT_SCHEDULE: dict = {}

# cases: photos uploaded for a report form that was never submitted are kept a day (a
# worker may finish the report after a network outage), then swept hourly so private
# evidence storage does not fill up with abandoned drafts.
CELERY_BEAT_SCHEDULE["cases-sweep-pending-uploads"] = {
    "task": "cases.tasks.sweep_pending_uploads",
    "schedule": 60 * 60,
}
