"""Browser fixtures for every test module (a pytest plugin named in tests/conftest.py).

Journeys: Playwright driving Debian's chromium against pytest-django's live server.

Nothing is downloaded: the browser is /usr/bin/chromium (apt-get install chromium),
launched with the flags that keep it off the network.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
FOSHAN = {"latitude": 22.95, "longitude": 113.11}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: apt-get install chromium")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield instance
        instance.close()


def _context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def phone(browser, live_server):
    """A 390-px-wide phone with location permission granted (a grid worker in the street)."""
    context = _context(
        browser, live_server, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, geolocation=FOSHAN, permissions=["geolocation"],
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser, live_server):
    context = _context(browser, live_server, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """Factory for extra pages (e.g. a second user in the same journey)."""
    contexts = []

    def make(width=1366, height=900, **options):
        context = _context(browser, live_server, viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def browser_login(page, username, password="pw-for-tests-1"):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


# --- journeys (tests/journeys/): a recorder per journey, one table at the end of the session ----

@pytest.fixture
def journey(request, live_server):
    """``journey(name, title)`` → a tests.journeys.harness.Journey recording that person's task.

    Pages are recorded with ``j.watch(page)``; the journey fails on a console error, a page error
    or a request to another host, and its row (taps, fields, seconds, goal) goes to the table
    printed at the end of the session.
    """
    from tests.journeys.harness import Journey

    made = []

    def make(name, title=""):
        made.append(Journey(name, title, live_server.url))
        return made[-1]

    yield make
    report = getattr(request.node, "_journey_call_report", None)
    outcome = "passed" if report is not None and report.passed else "FAILED"
    for j in made:
        j.close(outcome)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if "journey" in getattr(item, "fixturenames", ()):
        from tests.journeys import harness

        if report.when == "call":
            item._journey_call_report = report
        # What CI spends on the journeys: set-up (database, browser context), the journey, teardown.
        harness.TEST_SECONDS[item.nodeid] = harness.TEST_SECONDS.get(item.nodeid, 0.0) + report.duration
    return report


def pytest_sessionfinish(session, exitstatus):
    import sys

    harness = sys.modules.get("tests.journeys.harness")
    if harness is None or not harness.RESULTS:
        return
    harness.write_json()
    spent = sum(harness.TEST_SECONDS.values())
    if spent > harness.BUDGET_SECONDS and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        harness.OVER_BUDGET = spent


def pytest_terminal_summary(terminalreporter):
    import sys

    harness = sys.modules.get("tests.journeys.harness")
    if harness is None or not harness.RESULTS:
        return
    terminalreporter.section("journeys: taps, fields, seconds")
    for line in harness.table():
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"written to {harness.OUT.relative_to(harness.ROOT)}/journeys.json")
    if harness.OVER_BUDGET:
        terminalreporter.write_line(
            f"FAILED: the journey tests took {harness.OVER_BUDGET:.0f} s, over the {harness.BUDGET_SECONDS} s budget", red=True)
