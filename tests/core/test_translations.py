"""Every string the code marks for translation has its zh-hans translation at run time.

The catalogues are extracted afresh (``makemessages``, as ``make messages`` does, in a copy of
the tracked files, so the checkout is not touched) and each msgid is looked up through Django's
merged catalogues with zh-hans active: a string translated in any app's catalogue counts.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "grids", "cases", "dispatch", "inspections", "credit", "forms_fill", "volunteers", "dashboard", "scan", "open311"]
# Names that read the same in Chinese: the language list's own name, a hash, a file format.
SAME_IN_CHINESE = {"English", "SHA-256", "GeoJSON"}


def _entries(po: Path):
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        parts, current = {}, None
        for line in block.splitlines():
            if line.startswith("#~"):
                break  # obsolete
            m = re.match(r'^(msgid|msgctxt|msgid_plural) "(.*)"$', line)
            if m:
                current = m.group(1)
                parts[current] = m.group(2)
                continue
            m = re.match(r'^"(.*)"$', line)
            if m and current in parts:
                parts[current] += m.group(1)
            elif line.startswith("msgstr"):
                current = None
        if parts.get("msgid"):
            where = next((line[3:] for line in block.splitlines() if line.startswith("#: ")), "")
            yield parts, where


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")


def test_every_marked_string_has_its_zh_hans_translation(tmp_path):
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is needed to extract the strings: apt-get install gettext")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    copy = tmp_path / "src"
    for name in tracked:
        if name.endswith((".py", ".html", ".txt", ".js")) or name.endswith(".po"):
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
    manage = [sys.executable, str(copy / "manage.py"), "makemessages", "-l", "zh_Hans"]
    for app in APPS:
        subprocess.run(manage, cwd=copy / app, capture_output=True, check=True)
    ignores = [f"--ignore={d}" for d in [*APPS, ".venv", "tests", "scripts", "staticfiles"]]
    subprocess.run([*manage, *ignores], cwd=copy, capture_output=True, check=True)

    missing = []
    with translation.override("zh-hans"):
        for po in sorted(copy.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
            for parts, where in _entries(po):
                msgid = _unescape(parts["msgid"])
                if msgid in SAME_IN_CHINESE or not re.search(r"[A-Za-z]{3}", msgid):
                    continue
                got = translation.pgettext(_unescape(parts["msgctxt"]), msgid) if "msgctxt" in parts else translation.gettext(msgid)
                if got == msgid:
                    missing.append(f"{po.relative_to(copy).parts[0]}: {msgid[:80]!r} ({where[:60]})")
    assert not missing, f"{len(missing)} strings without a zh-hans translation:\n" + "\n".join(missing)
