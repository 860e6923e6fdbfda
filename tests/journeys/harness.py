"""The journey harness: a recorder around Playwright pages that counts what a person does.

A journey is one test that plays a person's task in a real browser. Around each page it drives,
the recorder counts

- **taps**: a click, tap, check/uncheck, an Enter key, a file chosen (one tap, whatever the
  control: the camera's shutter is the tap), a double tap counts two;
- **fields**: text typed (fill / type) or a value picked from a list (select_option);

times the journey, saves a screenshot per step (``var/journeys/<journey>/NN-step.png``,
git-ignored), runs the accessibility checks of ``tests/journeys/a11y.py`` at every step and
FAILS the journey on a console error, an uncaught page error or any request to a host other than
the live test server. A ``goal`` block measures one part of a journey (e.g. "report a case from
the phone home screen: ≤ 6 taps"); inside it the journey may not jump by URL (``goto``), so every
screen it reaches is reached by taps.

At the end of the session the plugin (tests/browser_fixtures.py) prints one table —
journey, taps, fields, seconds, goal — and writes it to ``var/journeys/journeys.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page

from tests.journeys import a11y

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "journeys"
# The whole journey set must run in CI in under five minutes (issue 17).
BUDGET_SECONDS = 300

TAPS = {"click": 1, "tap": 1, "dblclick": 2, "check": 1, "uncheck": 1, "set_checked": 1}
FIELDS = {"fill", "type", "press_sequentially", "select_option"}
FILES = {"set_input_files"}


class JourneyError(AssertionError):
    pass


@dataclass
class Goal:
    label: str
    taps: int | None = None
    fields: int | None = None
    seen_taps: int = 0
    seen_fields: int = 0
    met: bool | None = None

    def text(self) -> str:
        if self.taps is None and self.fields is None:  # measured, no goal
            return f"{self.label}: {self.seen_taps} taps, {self.seen_fields} fields"
        parts = []
        if self.taps is not None:
            parts.append(f"{self.seen_taps}/≤{self.taps} taps")
        if self.fields is not None:
            parts.append(f"{self.seen_fields}/≤{self.fields} fields")
        mark = {True: "met", False: "MISSED", None: "not reached"}[self.met]
        return f"{self.label}: {', '.join(parts)} {mark}"


@dataclass
class Result:
    journey: str
    title: str
    taps: int = 0
    fields: int = 0
    seconds: float = 0.0
    goals: list[Goal] = field(default_factory=list)
    steps: int = 0
    outcome: str = "running"
    problems: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)

    def row(self) -> dict:
        return {
            "journey": self.journey, "title": self.title, "taps": self.taps, "fields": self.fields,
            "seconds": round(self.seconds, 1), "goal": "; ".join(g.text() for g in self.goals) or "-",
            "goals": [{"label": g.label, "taps": g.taps, "fields": g.fields, "seen_taps": g.seen_taps,
                       "seen_fields": g.seen_fields, "met": g.met} for g in self.goals],
            "steps": self.steps, "outcome": self.outcome, "problems": self.problems, "known_a11y": self.known,
            "screenshots": str((OUT / self.journey).relative_to(ROOT)),
        }


# Every journey of the session, in the order they ran (read by the terminal summary), the time
# each journey test took (setup, call and teardown: what CI spends on it) and, when the set took
# longer than the budget, how long.
RESULTS: list[Result] = []
TEST_SECONDS: dict[str, float] = {}
OVER_BUDGET: float | None = None


class Journey:
    """One person's task, recorded. Made by the ``journey`` fixture; see the module docstring."""

    def __init__(self, name: str, title: str, server_url: str, *, record: bool = True, out: Path | None = None):
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            raise ValueError(f"journey name {name!r}: lower-case letters, digits, - and _")
        self.name = name
        self.server = urlsplit(server_url)
        self.folder = (out or OUT) / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.result = Result(journey=name, title=title)
        if record:
            RESULTS.append(self.result)
        self._started = time.monotonic()
        self._contexts: set = set()
        self._goals: list[Goal] = []
        self._errors: list[str] = []
        self._tolerated: list[re.Pattern] = []
        self._finished = False

    # --- recording -------------------------------------------------------------------------

    def watch(self, page: Page) -> "Recorded":
        """Record this page (and listen to its whole browser context for errors and requests)."""
        context = page.context
        if context not in self._contexts:
            self._contexts.add(context)
            context.on("console", self._on_console)
            context.on("weberror", lambda error: self._errors.append(f"page error: {error.error}"))
            context.on("request", self._on_request)
            context.on("page", lambda p: p.on("websocket", lambda ws: self._foreign(ws.url)))
            page.on("websocket", lambda ws: self._foreign(ws.url))
        return Recorded(page, self)

    def count(self, *, taps: int = 0, fields: int = 0):
        self.result.taps += taps
        self.result.fields += fields
        for goal in self._goals:
            goal.seen_taps += taps
            goal.seen_fields += fields

    @contextlib.contextmanager
    def goal(self, label: str, *, taps: int | None = None, fields: int | None = None):
        """Measure a part of the journey against a goal; fails the journey when it is missed."""
        goal = Goal(label=label, taps=taps, fields=fields)
        self.result.goals.append(goal)
        self._goals.append(goal)
        try:
            yield goal
        finally:
            self._goals.remove(goal)
        goal.met = (taps is None or goal.seen_taps <= taps) and (fields is None or goal.seen_fields <= fields)
        if not goal.met:
            raise JourneyError(f"goal missed — {goal.text()}")

    @property
    def in_goal(self) -> bool:
        return bool(self._goals)

    @contextlib.contextmanager
    def tolerate(self, *patterns: str):
        """Console messages expected while this block runs (e.g. requests failing with the network cut)."""
        compiled = [re.compile(p) for p in patterns]
        self._tolerated.extend(compiled)
        try:
            yield
        finally:
            for p in compiled:
                self._tolerated.remove(p)

    def _on_console(self, message):
        if message.type != "error":
            return
        text = message.text
        if any(p.search(text) for p in self._tolerated):
            return
        where = message.location.get("url", "") if isinstance(message.location, dict) else ""
        self._errors.append(f"console error: {text}" + (f" ({where})" if where else ""))

    def _on_request(self, request):
        self._foreign(request.url)

    def _foreign(self, url: str):
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "chrome-extension", "chrome"):
            return
        if (parts.scheme, parts.hostname, parts.port) != (self.server.scheme, self.server.hostname, self.server.port):
            self._errors.append(f"request to a host other than the test server: {url}")

    # --- steps -----------------------------------------------------------------------------

    def step(self, page: "Page | Recorded", label: str, *, a11y_checks: bool = True):
        """A screen the person sees: screenshot, accessibility checks, and no error so far."""
        page = page.page if isinstance(page, Recorded) else page
        self.result.steps += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "step"
        page.wait_for_load_state("load")
        page.screenshot(path=str(self.folder / f"{self.result.steps:02d}-{slug}.png"), full_page=True, scale="css")
        if a11y_checks:
            problems = a11y.check(page)
            known = [p for p in problems if a11y.is_known(p)]
            self.result.known += [f"{label}: {p}" for p in known if f"{label}: {p}" not in self.result.known]
            real = [p for p in problems if p not in known]
            if real:
                self.result.problems += [f"{label}: {p}" for p in real]
                if os.environ.get("JOURNEY_A11Y") == "warn":  # while fixing a page: list every problem, stop on none
                    print(f"\naccessibility, {self.name} step {self.result.steps} “{label}”:\n  " + "\n  ".join(real))
                    return self.check_errors(label)
                raise JourneyError(f"accessibility, step {self.result.steps} “{label}” ({page.url}):\n  " + "\n  ".join(real))
        self.check_errors(label)

    def check_errors(self, where: str = ""):
        if self._errors:
            errors, self._errors = self._errors, []
            self.result.problems += errors
            raise JourneyError(f"{self.name}{' at ' + where if where else ''}:\n  " + "\n  ".join(errors))

    def finish(self):
        """The end of the journey: the last check for errors, and the time it took."""
        self.check_errors("the end")
        self.result.seconds = time.monotonic() - self._started
        self._finished = True

    def close(self, outcome: str):
        if not self._finished:
            self.result.seconds = time.monotonic() - self._started
        self.result.outcome = outcome


class Recorded:
    """A Playwright Page or Locator whose actions are counted (everything else passes through)."""

    def __init__(self, target, journey: Journey):
        self._target = target
        self._journey = journey

    @property
    def page(self) -> Page:
        return self._target if isinstance(self._target, Page) else self._target.page

    @property
    def raw(self):
        return self._target

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if isinstance(attr, Locator):  # .first, .last
            return Recorded(attr, self._journey)
        if not callable(attr):
            return attr
        journey = self._journey

        def call(*args, **kwargs):
            if name == "goto" and journey.in_goal:
                raise JourneyError(f"page.goto({args[0] if args else ''!r}) inside a goal: the person gets there by taps")
            if name == "press" and "Enter" in str(args[-1] if args else kwargs.get("key", "")):
                journey.count(taps=1)
            elif name in TAPS:
                journey.count(taps=TAPS[name])
            elif name in FIELDS:
                journey.count(fields=1)
            elif name in FILES:
                journey.count(taps=1)
            value = attr(*args, **kwargs)
            return Recorded(value, journey) if isinstance(value, Locator) else value

        return call

    def choose_file(self, files, *, via=None):
        """A file chosen (camera or gallery): one tap. ``via`` is a control that opens the chooser."""
        page = self.page
        if via is None:
            self._target.set_input_files(files)
        else:
            target = via.raw if isinstance(via, Recorded) else via
            with page.expect_file_chooser() as chooser:
                target.click()
            chooser.value.set_files(files)
        self._journey.count(taps=1)


def write_json(path: Path = OUT / "journeys.json") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [r.row() for r in RESULTS]
    path.write_text(json.dumps({"journeys": rows, "total_seconds": round(sum(r.seconds for r in RESULTS), 1),
                                "test_seconds": round(sum(TEST_SECONDS.values()), 1),
                                "budget_seconds": BUDGET_SECONDS}, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def table() -> list[str]:
    headers = ["journey", "taps", "fields", "seconds", "goal", "result"]
    # The goal column shows the goals; parts measured without one are in the JSON.
    rows = [[r.journey, str(r.taps), str(r.fields), f"{r.seconds:.1f}",
             "; ".join(g.text() for g in r.goals if g.taps is not None or g.fields is not None) or "-", r.outcome]
            for r in RESULTS]
    widths = [max(_width(x) for x in [h] + [row[i] for row in rows]) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]
    total = sum(r.seconds for r in RESULTS)
    out.append(f"{len(RESULTS)} journeys, {total:.1f} s in the browser, {sum(TEST_SECONDS.values()):.1f} s with set-up "
               f"(budget {BUDGET_SECONDS} s); screenshots in {OUT.relative_to(ROOT)}/<journey>/")
    for r in RESULTS:
        for k in r.known:
            out.append(f"known accessibility problem ({r.journey}): {k}")
    return out


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
