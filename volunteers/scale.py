"""Seed step for the benchmark databases: volunteer teams, volunteers, their reports and ledger.

- one team per seeded village, ``VOLUNTEERS_PER_TEAM`` approved volunteers each;
- every seeded case whose source is a volunteer or the public QR code gets its
  ``VolunteerReport`` (team of its village, a volunteer of that team, the outcome read
  from the case's status);
- the points ledger grows with the case volume (``cases // CASES_PER_ENTRY`` lines over the
  seeded months: adopted +2, self-handled +5, monthly activity +1), each volunteer's lines a
  consistent running balance, and the volunteers' totals match their lines.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from benchmarks.seed import names, register
from benchmarks.seed.writer import BulkWriter, fast_load, next_id, reset_sequence

VOLUNTEERS_PER_TEAM = 20
CASES_PER_ENTRY = 5
KINDS = ["party_member", "building_head", "property_staff", "resident", "merchant"]
STATUS_OUTCOME = {"pending_triage": "pending", "reported": "pending", "rejected": "rejected", "merged": "duplicate", "cancelled": "rejected"}


@register("volunteers", models=("volunteers.Team", "volunteers.Volunteer", "volunteers.VolunteerReport", "volunteers.PointEntry"),
          after="inspections")
def seed_volunteers(ctx) -> int:
    from cases.models import Case

    from .models import PointEntry, Team, Volunteer, VolunteerReport

    cfg, rng = ctx.config, ctx.rng
    villages = ctx.data["regions"][3]
    now = timezone.now()
    rows = 0
    # Read before any COPY (the connection cannot query while a COPY is open).
    public = list(
        Case.objects.filter(source__in=[Case.Source.VOLUNTEER, Case.Source.PUBLIC_QR])
        .order_by("id").values_list("id", "region_path", "created_at", "status", "source")
    )
    with fast_load(Team, Volunteer, VolunteerReport, PointEntry):
        team0, vol0 = next_id(Team), next_id(Volunteer)
        team_by_path: dict[str, int] = {}
        with BulkWriter(Team, ["id", "village_id", "name", "region_path", "report_code", "created_at", "updated_at"]) as w:
            for i, village in enumerate(villages):
                w.write((team0 + i, village.id, f"{village.name}兼职网格员队伍", village.path, f"s{team0 + i:07d}", now, now))
                team_by_path[village.path] = team0 + i
        rows += w.count
        reset_sequence(Team)

        members: dict[int, list[int]] = {}
        volunteer_path: dict[int, str] = {}
        n = 0
        for i, village in enumerate(villages):
            for _j in range(VOLUNTEERS_PER_TEAM):
                members.setdefault(team0 + i, []).append(vol0 + n)
                volunteer_path[vol0 + n] = village.path
                n += 1

        # The ledger: lines per volunteer, oldest first, with the running balance.
        total_entries = cfg.cases // CASES_PER_ENTRY
        all_volunteers = [v for team in members.values() for v in team]
        per: dict[int, list[tuple]] = {}
        span = dt.timedelta(days=30 * max(cfg.months, 1))
        for _k in range(total_entries):
            v = all_volunteers[int(len(all_volunteers) * (rng.random() ** 2))]  # a few very active volunteers
            kind, points = rng.choices([("self_handled", 5), ("adopted", 2), ("monthly_activity", 1)], weights=[6, 3, 1])[0]
            per.setdefault(v, []).append((now - span * rng.random(), kind, points))
        # One monthly-activity line per volunteer and month (the ledger's unique constraint).
        for v, lines in per.items():
            lines.sort()
            seen = set()
            for idx, (at, kind, points) in enumerate(lines):
                period = f"{timezone.localtime(at):%Y-%m}" if kind == "monthly_activity" else ""
                if period and period in seen:
                    kind, points, period = "self_handled", 5, ""
                seen.add(period)
                lines[idx] = (at, kind, points, period)
        totals = {v: sum(line[2] for line in lines) for v, lines in per.items()}

        with BulkWriter(Volunteer, ["id", "team_id", "name", "phone", "kind", "status", "region_path", "card_token",
                                    "points_balance", "points_earned", "created_at", "updated_at"]) as w:
            for team_id, vols in members.items():
                for v in vols:
                    earned = totals.get(v, 0)
                    w.write((v, team_id, names.person(rng), f"19{v:09d}", rng.choice(KINDS), "approved", volunteer_path[v],
                             f"bench{v:012d}", earned, earned, now, now))
        rows += w.count
        reset_sequence(Volunteer)

        with BulkWriter(PointEntry, ["volunteer_id", "kind", "points", "balance_after", "period", "note", "created_at"]) as w:
            for v, lines in per.items():
                balance = 0
                for at, kind, points, period in lines:
                    balance += points
                    w.write((v, kind, points, balance, period, "", at))
        rows += w.count

        with BulkWriter(VolunteerReport, ["case_id", "team_id", "volunteer_id", "region_path", "token", "problem_type",
                                          "claims_self_handled", "outcome", "outcome_note", "decided_at", "created_at"]) as w:
            for case_id, path, created, status, source in public:
                village_path = "/".join(path.split("/")[:3]) + "/"  # district/street/village/
                team_id = team_by_path.get(village_path)
                if team_id is None:
                    continue
                volunteer = rng.choice(members[team_id]) if source == Case.Source.VOLUNTEER else None
                outcome = STATUS_OUTCOME.get(status, "adopted")
                w.write((case_id, team_id, volunteer, path, f"bench-r{case_id:012d}", "other", False, outcome, "",
                         None if outcome == "pending" else created, created))
        rows += w.count

    ctx.out(f"  volunteers: {len(villages):,} teams, {len(all_volunteers):,} volunteers, {total_entries:,} ledger lines, "
            f"{len(public):,} public reports")
    return rows
