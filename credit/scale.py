"""Seed step for the benchmark databases: enterprises and what their ratings read.

Fills ``ctx.config.enterprises`` enterprises (COPY), spread over the seeded grids:

- every seeded inspection place becomes an enterprise's place (so the seeded answers,
  failed items included, count against it), the rest of the enterprises have none;
- up to two cases per enterprise are linked to an enterprise of the case's grid
  (EnterpriseCase: 100,000 links at 50,000 enterprises);
- 10 % get a market-regulator class (A–D), 0.5 % a recorded one-vote veto.

Ratings themselves are not written: the benchmark times the full rescoring that writes them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from benchmarks.seed import names, register
from benchmarks.seed.writer import BulkWriter, fast_load, next_id, reset_sequence

CASE_LINKS_PER_ENTERPRISE = 2


@register("enterprises", models=("credit.Enterprise", "credit.EnterpriseCase", "credit.DepartmentRating", "credit.CreditVeto"))
def seed_enterprises(ctx) -> int:
    from cases.models import Case
    from dispatch.models import Department
    from inspections.models import Place

    from .codes import make_uscc
    from .models import CreditVeto, DepartmentRating, Enterprise, EnterpriseCase

    cfg, rng = ctx.config, ctx.rng
    if cfg.enterprises <= 0:
        return 0
    now = timezone.now()
    grids = ctx.data["regions"][4]
    places = list(Place.objects.order_by("id").values_list("id", "grid_id", "region_path"))[: cfg.enterprises]
    grid_by_id = {g.id: g for g in grids}
    pk0 = next_id(Enterprise)
    by_grid: dict[int, list[int]] = {}
    rows = 0
    cols = ["id", "uscc", "name", "enterprise_type", "legal_representative", "registered_capital", "established_on", "industry",
            "contact_name", "contact_phone", "status", "region_id", "region_path", "place_id", "attributes", "sources",
            "created_at", "updated_at"]
    industries = ["餐饮业", "零售业", "陶瓷制品制造", "金属制品业", "仓储业", "住宿业", "居民服务业"]
    seq_base = 1_000_000  # codes apart from the demo's
    with fast_load(Enterprise, EnterpriseCase, DepartmentRating, CreditVeto):
        with BulkWriter(Enterprise, cols) as w:
            for i in range(cfg.enterprises):
                pk = pk0 + i
                if i < len(places):
                    place_id, grid_id, path = places[i]
                else:
                    grid = rng.choice(grids)
                    place_id, grid_id, path = None, grid.id, grid.path
                by_grid.setdefault(grid_id, []).append(pk)
                prefix = "92" if i % 3 == 0 else ("N2" if i % 50 == 7 else ("Y1" if i % 50 == 9 else "91"))
                w.write((
                    pk, make_uscc(seq_base + i, prefix=prefix), f"{names.place(rng)}{rng.choice(names.SHOPS)}{i}",
                    "个体工商户" if prefix == "92" else "有限责任公司", names.person(rng), Decimal(rng.choice([3, 10, 50, 100, 500])),
                    dt.date(2005, 1, 1) + dt.timedelta(days=rng.randint(0, 7000)), rng.choice(industries), names.person(rng),
                    names.phone(rng), Enterprise.Status.OPERATING, grid_id, path or grid_by_id[grid_id].path, place_id, {},
                    {"uscc": {"source": "seed", "date": now.date().isoformat()}}, now, now,
                ))
        rows += w.count
        reset_sequence(Enterprise)

        # Cases about enterprises: an enterprise of the case's grid (if the grid has any).
        # (Read before the COPY: the connection cannot run a query while a COPY is open.)
        limit = cfg.enterprises * CASE_LINKS_PER_ENTERPRISE
        grids_with = list(by_grid)
        cases = list(Case.objects.filter(grid_id__in=grids_with).order_by("id").values_list("id", "grid_id", "created_at")[:limit])
        with BulkWriter(EnterpriseCase, ["case_id", "enterprise_id", "linked_at"]) as w:
            for case_id, grid_id, created in cases:
                w.write((case_id, rng.choice(by_grid[grid_id]), created))
        rows += w.count

        regulator = Department.objects.filter(parent__isnull=True, code__startswith="SJJ").order_by("id").values_list("id", flat=True).first()
        today = timezone.localdate()
        if regulator is not None:
            with BulkWriter(DepartmentRating, ["enterprise_id", "department_id", "credit_class", "rated_on", "created_at"]) as w:
                for i in range(0, cfg.enterprises, 10):
                    w.write((pk0 + i, regulator, rng.choice("AABBBCCD"), today - dt.timedelta(days=rng.randint(0, 300)), now))
            rows += w.count
        with BulkWriter(CreditVeto, ["enterprise_id", "reason", "occurred_on", "created_at"]) as w:
            for i in range(3, cfg.enterprises, 200):
                w.write((pk0 + i, "重大火灾隐患", today - dt.timedelta(days=rng.randint(0, 200)), now))
        rows += w.count
    ctx.out(f"  {cfg.enterprises:,} enterprises ({min(len(places), cfg.enterprises):,} with an inspection place), case links, ratings, vetoes")
    return rows
