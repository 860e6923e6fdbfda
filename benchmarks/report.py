"""The one table ``manage.py bench`` prints: figure, value, baseline, ratio, goal, verdict."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import asdict, dataclass, field

OK, MISSED, NA, ERROR, INFO = "ok", "MISSED", "n/a", "ERROR", "info"


@dataclass
class Row:
    figure: str
    value: str = ""
    baseline: str = ""
    ratio: float | None = None
    goal: str = ""
    verdict: str = INFO
    note: str = ""
    raw: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def timing_row(figure: str, value_s: float, baseline_s: float, *, limit: float, value_label: str, baseline_label: str, note="") -> Row:
    """A time that must stay within `limit` x its baseline."""
    ratio = value_s / baseline_s if baseline_s > 0 else None
    verdict = OK if ratio is not None and ratio <= limit else MISSED
    return Row(
        figure, f"{ms(value_s)} {value_label}".strip(), f"{ms(baseline_s)} {baseline_label}".strip(), ratio,
        f"<= {limit:g}x", verdict, note, {"value_s": value_s, "baseline_s": baseline_s, "limit": limit},
    )


def same_row(figure: str, value: int, baseline: int, *, value_label: str, baseline_label: str, note="") -> Row:
    return Row(
        figure, f"{value} {value_label}".strip(), f"{baseline} {baseline_label}".strip(), None, "same",
        OK if value == baseline else MISSED, note, {"value": value, "baseline": baseline},
    )


def rate_row(figure: str, value: float, baseline: float, *, limit: float, note="", value_label: str = "",
             baseline_label: str = "bare view", digits: int = 0, raw: dict | None = None) -> Row:
    """A rate that must reach at least `limit` x its baseline."""
    ratio = value / baseline if baseline > 0 else None
    return Row(
        figure, f"{value:,.{digits}f} /s {value_label}".strip(), f"{baseline:,.{digits}f} /s {baseline_label}".strip(), ratio,
        f">= {limit:g}x", OK if ratio is not None and ratio >= limit else MISSED, note,
        {"value": value, "baseline": baseline, "limit": limit, **(raw or {})},
    )


def unavailable(figure: str, why: str = "not available") -> Row:
    return Row(figure, "not available", verdict=NA, note=why)


def error(figure: str, message: str) -> Row:
    return Row(figure, "error", verdict=ERROR, note=message[:300])


def machine() -> dict:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def render(rows: list[Row], header: list[str]) -> str:
    cols = ["figure", "value", "baseline", "ratio", "goal", "result"]
    body = [
        [r.figure, r.value, r.baseline, f"{r.ratio:.2f}x" if r.ratio is not None else "", r.goal, r.verdict]
        for r in rows
    ]
    widths = [max(len(c), *(len(b[i]) for b in body)) if body else len(c) for i, c in enumerate(cols)]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [*header, "", line]
    out.append("|".join(f" {c:<{w}} " for c, w in zip(cols, widths)))
    out.append(line)
    for b in body:
        out.append("|".join(f" {v:<{w}} " for v, w in zip(b, widths)))
    out.append(line)
    notes = [(r.figure, r.note) for r in rows if r.note]
    if notes:
        out.append("")
        out.extend(f"  * {fig}: {note}" for fig, note in notes)
    return "\n".join(out)
