"""Reference data kept per process (categories, routing rules, the calendar, grid boundaries),
invalidated when it changes.

Reference data changes rarely and is read on every report. Each set has a name and a version
stamp (core.RefDataVersion, a random number replaced at each change). A process keeps the set built from the data with the version it
saw; a request reads all stamps in one query, at its first use, and rebuilds a set only when
its stamp moved. A change bumps the stamp in the transaction that makes it, so the next
request of every web and worker process sees the change (a rule edited in the admin applies
to the next report).

An app declares what a set depends on, once at start-up (``AppConfig.ready``)::

    from core import refdata
    refdata.track("routing", RoutingRule, Department)   # any save/delete bumps "routing"

and reads through it::

    rules = refdata.cached("routing", load_rules)        # load_rules() -> the in-memory value

Writes that bypass model signals (``QuerySet.update``, ``bulk_create``, raw SQL, COPY) must call
``refdata.bump("routing")`` themselves. The value is shared by every request of the process:
treat it as read-only.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

from celery.signals import task_postrun, task_prerun
from django.core.signals import request_finished, request_started
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save

from .models import RefDataVersion

_lock = threading.Lock()
_memo: dict[str, tuple[tuple, object]] = {}  # name -> ((version, key), value), per process
_local = threading.local()  # .versions: the stamps read by the current request (None outside one)
_tracked: dict[type, set[str]] = {}


def _request_started(**kwargs):
    _local.in_request = True
    _local.versions = None


def _request_finished(**kwargs):
    _local.in_request = False
    _local.versions = None


request_started.connect(_request_started, dispatch_uid="core.refdata.started")
request_finished.connect(_request_finished, dispatch_uid="core.refdata.finished")
# A Celery task is bounded like a request: the stamps are read once per task.
task_prerun.connect(_request_started, dispatch_uid="core.refdata.task_started", weak=False)
task_postrun.connect(_request_finished, dispatch_uid="core.refdata.task_finished", weak=False)


def versions() -> dict[str, int]:
    """Every stamp: once per request or Celery task (memoised until it ends), else read at each use."""
    if getattr(_local, "in_request", False):
        if getattr(_local, "versions", None) is None:
            _local.versions = dict(RefDataVersion.objects.values_list("name", "version"))
        return _local.versions
    return dict(RefDataVersion.objects.values_list("name", "version"))


def cached(name: str, loader: Callable[[], object], *, key=None):
    """The value of `loader()` for the current version of `name` (and `key`, e.g. a setting it
    depends on), built once per process and version."""
    version = (versions().get(name, 0), key)
    entry = _memo.get(name)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = loader()  # read after the stamp: at least as new as `version`
    with _lock:
        _memo[name] = (version, value)
    return value


def bump(*names: str) -> None:
    """Mark these sets changed (in the current transaction: visible to others at its commit).

    The new stamp is random, not a counter: a rolled-back change (or a test's rollback) can
    never leave a process holding data under a stamp that a later, different change reuses.
    """
    for name in names:
        stamp = secrets.randbits(62) + 1
        if not RefDataVersion.objects.filter(name=name).update(version=stamp):
            try:
                with transaction.atomic():
                    RefDataVersion.objects.create(name=name, version=stamp)
            except IntegrityError:  # created meanwhile by another transaction
                RefDataVersion.objects.filter(name=name).update(version=stamp)
    # This request's memo must see its own change too.
    if getattr(_local, "versions", None) is not None:
        _local.versions = None


def bump_all() -> None:
    """Every set changed (after writes that bypass the signals, e.g. the scale seeder's COPY)."""
    names = set(RefDataVersion.objects.values_list("name", flat=True))
    for tracked in _tracked.values():
        names |= tracked
    bump(*sorted(names))


def forget() -> None:
    """Drop this process's sets (tests; after a bulk reseed)."""
    with _lock:
        _memo.clear()
    _local.versions = None


def _changed(sender, **kwargs):
    if kwargs.get("raw"):  # loaddata: the fixture loader bumps nothing mid-load
        return
    bump(*sorted(_tracked.get(sender, ())))


def track(name: str, *models) -> None:
    """Bump `name` whenever an instance of one of `models` is saved or deleted."""
    for model in models:
        _tracked.setdefault(model, set()).add(name)
        post_save.connect(_changed, sender=model, dispatch_uid=f"core.refdata.save.{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"core.refdata.delete.{model._meta.label}")
