"""Dashboard fixtures: the dispatch fixtures (departments, rules, department staff) and a
hand-made set of cases whose numbers are computed by hand in the tests."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.dispatch.conftest import S2_POINT, categories, departments, dept_users, photos, report, rules  # noqa: F401

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    """A Shanghai wall-clock time, 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)
