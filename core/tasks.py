"""Celery tasks of the ground floor, gathered for Celery's autodiscovery.

The job tasks live beside what they run (core/jobs.py), the mail tasks beside the outbox
(core/outbox.py); this module only names them, so the worker registers them all.
"""

from .jobs import run_job, sweep_jobs  # noqa: F401
from .outbox import send_email, sweep_outbox  # noqa: F401
