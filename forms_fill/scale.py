"""Seed step for the benchmark databases: ``ctx.config.people`` synthetic people (COPY).

Valid GB 11643 check digits, clearly fake names (测试 + number), the catalogue's
attributes, spread over the seeded grids.
"""

from __future__ import annotations

import random

from django.utils import timezone

from benchmarks.seed import register
from benchmarks.seed.writer import BulkWriter, fast_load, next_id, reset_sequence


@register("people", models=("forms_fill.Person",), after="enterprises")
def seed_people(ctx) -> int:
    from core.identifiers import check_id_number

    from .models import Person
    from .samples import fake_person

    cfg = ctx.config
    if cfg.people <= 0:
        return 0
    rng = random.Random(cfg.seed + 11)
    grids = ctx.data["regions"][4]
    now = timezone.now()
    src = {"source": "seed", "date": now.date().isoformat()}
    cols = ["id", "id_number", "name", "sex", "birth_date", "ethnicity", "household_address", "current_address", "phone",
            "region_id", "region_path", "attributes", "sources", "created_at", "updated_at"]
    pk0 = next_id(Person)
    seen: set[str] = set(Person.objects.values_list("id_number", flat=True))  # a re-run adds, never collides
    with fast_load(Person):
        with BulkWriter(Person, cols) as w:
            for i in range(cfg.people):
                values = fake_person(rng, i)
                while values["id_number"] in seen:
                    values = fake_person(rng, i)
                seen.add(values["id_number"])
                info = check_id_number(values["id_number"]).info
                grid = grids[i % len(grids)]
                base = [values.pop(k) for k in ("id_number", "name", "ethnicity", "household_address",
                                                "current_address", "phone")]
                attributes = {k: v for k, v in values.items() if v}
                w.write((pk0 + i, base[0], base[1], info["sex"], info["birth_date"], base[2], base[3], base[4], base[5],
                         grid.id, grid.path, attributes, {"id_number": src}, now, now))
        reset_sequence(Person)
    ctx.data["people_ids"] = seen
    return w.count
