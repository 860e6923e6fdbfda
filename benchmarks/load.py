"""Bounded load from a second process: ``python -m benchmarks.load --base http://127.0.0.1:PORT ...``.

Plain standard library (no Django): C threads POST form submissions until
`--requests` have been sent or `--seconds` have passed, whichever comes first.
Each request carries the logged-in session cookie, the CSRF cookie and token
(fetched once with a GET of `--token-path`, as a browser would), and a fresh
client UUID, so every submission is a new case. gunicorn's sync workers close
the connection after each response, so each request opens its own TCP
connection, like phones on a mobile network.

Prints one JSON object: ok / failed counts, statuses, elapsed seconds, rate,
latency percentiles and the generator's own CPU seconds (so its share of the
machine is visible).
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import resource
import sys
import threading
import time
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def fetch_token(host: str, port: int, path: str, session: str) -> tuple[str, str]:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
    resp = conn.getresponse()
    body = resp.read().decode("utf-8", "replace")
    if resp.status != 200:
        raise SystemExit(f"GET {path} answered {resp.status}: is the session logged in and the view mounted?")
    cookie = SimpleCookie()
    for header in resp.headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    match = TOKEN_RE.search(body)
    if "csrftoken" not in cookie or not match:
        raise SystemExit(f"GET {path}: no CSRF cookie or token in the page")
    return cookie["csrftoken"].value, match.group(1)


def run(args) -> dict:
    parts = urlsplit(args.base)
    host, port = parts.hostname, parts.port or 80
    csrf_cookie, token = fetch_token(host, port, args.token_path or args.path, args.session)
    fields = json.loads(args.fields)
    headers = {
        "Cookie": f"sessionid={args.session}; csrftoken={csrf_cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"{args.base}{args.token_path or args.path}",
    }
    lock = threading.Lock()
    issued = 0
    statuses: dict[str, int] = {}
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + args.seconds

    def worker():
        nonlocal issued
        while True:
            with lock:
                if issued >= args.requests or time.perf_counter() >= deadline:
                    return
                issued += 1
            body = urlencode({**fields, "csrfmiddlewaretoken": token, "client_uuid": str(uuid.uuid4())})
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(host, port, timeout=60)
                conn.request("POST", args.path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                key = str(resp.status)
            except OSError as exc:
                key = "error"
                with lock:
                    errors.append(str(exc))
            elapsed = time.perf_counter() - t0
            with lock:
                statuses[key] = statuses.get(key, 0) + 1
                latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ok = sum(n for s, n in statuses.items() if s in args.expect.split(","))
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0.0

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "ok": ok,
        "failed": sum(statuses.values()) - ok,
        "statuses": statuses,
        "errors": errors[:5],
        "elapsed": elapsed,
        "rate": ok / elapsed if elapsed > 0 else 0.0,
        "p50_ms": pct(0.5) * 1000,
        "p95_ms": pct(0.95) * 1000,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--path", required=True, help="the form's URL path (POST target)")
    parser.add_argument("--token-path", default="", help="page to GET the CSRF token from (default: --path)")
    parser.add_argument("--session", required=True, help="sessionid cookie of a logged-in user")
    parser.add_argument("--fields", default="{}", help="JSON object of form fields (client_uuid is added per request)")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--expect", default="302", help="statuses that count as success, comma-separated")
    args = parser.parse_args(argv)
    json.dump(run(args), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
