"""Every periodic task, in one place, with why its schedule is what it is.

Apps add entries here as their capabilities land.
"""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE: dict = {}

# cases: photos uploaded for a report form that was never submitted are kept a day (a
# worker may finish the report after a network outage), then swept hourly so private
# evidence storage does not fill up with abandoned drafts.
CELERY_BEAT_SCHEDULE["cases-sweep-pending-uploads"] = {
    "task": "cases.tasks.sweep_pending_uploads",
    "schedule": 60 * 60,
}

# dispatch: deadlines are counted in working hours and the shortest limits are half an hour
# (e.g. 燃气泄漏 acceptance), so a 5-minute scan warns/escalates within a sixth of the
# shortest allowance; each run is idempotent (claims on deadline_warned_at / the case version).
CELERY_BEAT_SCHEDULE["dispatch-scan-deadlines"] = {
    "task": "dispatch.tasks.scan_deadlines",
    "schedule": 5 * 60,
}
# dispatch: rectification-notice deadlines are dates, so checking hourly for follow-ups that
# fell due is ample; a notice is claimed once (followup_notified_at).
CELERY_BEAT_SCHEDULE["dispatch-notice-followups"] = {
    "task": "dispatch.tasks.notice_followups",
    "schedule": 60 * 60,
}

# core: background jobs (core/jobs.py). A job left pending because the broker was down, or
# running with a dead worker (no heartbeat for ECOGRID_JOB_HEARTBEAT_TIMEOUT), is picked up
# again within a minute; old result files (they may hold personal data) are removed.
CELERY_BEAT_SCHEDULE["core-sweep-jobs"] = {
    "task": "core.tasks.sweep_jobs",
    "schedule": 60,
}

# dashboard: the 数读 rollups follow the case timeline; every page view also applies what
# is new (a few hundred cases at most), so a one-minute run keeps that share small.
CELERY_BEAT_SCHEDULE["dashboard-refresh-rollups"] = {
    "task": "dashboard.tasks.refresh_rollups",
    "schedule": 60,
}

# core: the e-mail outbox (core/outbox.py). Mail queued while the broker was down, or left
# "sending" by a worker that died (past 5 x EMAIL_TIMEOUT), is sent again; each row is
# claimed by a conditional UPDATE, so one sender sends it. Every two minutes keeps a lost
# mail at most a few minutes late without hammering an SMTP server that is down.
CELERY_BEAT_SCHEDULE["core-sweep-outbox"] = {
    "task": "core.outbox.sweep_outbox",
    "schedule": 2 * 60,
}

# credit: the full rescoring of every enterprise, nightly at 02:30 Asia/Shanghai (after the
# day's inspections, cases and notices; before the grid workers' day starts, so their due
# lists use the new colours). It runs as a core Job (visible, retried if a worker dies) and is
# idempotent: a rating that did not change is not written. Events (an inspection, case or
# notice completed) rescore their enterprise at once; this run catches the rest (windows
# rolling past 12 months, expired ratings and vetoes, anything missed while the broker was down).
CELERY_BEAT_SCHEDULE["credit-nightly-rescore"] = {
    "task": "credit.tasks.nightly_rescore",
    "schedule": crontab(hour=2, minute=30),
}

# volunteers: a volunteer report decided on the cases pages (register / reject / merge from
# /cases/triage/) gets its outcome and points recorded here; the status link and the volunteers'
# triage page also sync on view, so 10 minutes only bounds the delay of the leaderboard.
CELERY_BEAT_SCHEDULE["volunteers-sync-report-outcomes"] = {
    "task": "volunteers.tasks.sync_report_outcomes",
    "schedule": 10 * 60,
}
# volunteers: +1 (月度活跃) for last month's active volunteers. Daily and idempotent (one entry per
# volunteer and month), so a missed day or a worker outage on the 1st costs nothing.
CELERY_BEAT_SCHEDULE["volunteers-monthly-activity"] = {
    "task": "volunteers.tasks.award_monthly_activity",
    "schedule": 24 * 60 * 60,
}
