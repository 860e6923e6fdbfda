"""Smoke-run the embedded server: start it, log in as each demo role, fetch its home, stop it."""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = int(os.environ.get("SMOKE_PORT", "8765"))  # CI may pick another (.ci/run: CI_SMOKE_PORT)
BASE = f"http://127.0.0.1:{PORT}"
ROLES = ["admin", "qu_officer", "shiwan_officer", "lihao_staff", "lihao_grid01", "cgzf_shiwan"]


def fetch(opener, path, data=None):
    body = urllib.parse.urlencode(data).encode() if data else None
    with opener.open(BASE + path, body, timeout=30) as response:
        return response.geturl(), response.read().decode()


def main():
    from core.demo import DEMO_PASSWORD

    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(BASE + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        failures = []
        for username in ROLES:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            _, html = fetch(opener, "/accounts/login/")
            assert "登录" in html, "login page is not in Chinese"
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
            url, html = fetch(opener, "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD})
            ok = "/accounts/login/" not in url and "退出" in html
            print(f"  {username:<16} -> {urllib.parse.urlparse(url).path:<24} {'ok' if ok else 'FAILED'}")
            if not ok:
                failures.append(username)
        if failures:
            sys.exit(f"smoke failed for {failures}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
