"""Seed step: the region tree (区 → 镇街 → 村居 → 网格) with rectangular boundaries.

Codes follow grids.models.CODE_LENGTHS (district 6 digits, street 9, village 12,
grid 15, each extending its parent's), paths are "d/s/v/g/", and each level tiles
its parent's rectangle, so every boundary lies inside its parent's and a point
resolves to exactly one grid. The first district is Chancheng (440604, the
deployment's ECOGRID_DISTRICT_CODE), so the real report form finds its grids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from grids import geo
from grids.models import Region

from . import names, register
from .writer import BulkWriter, next_id, reset_sequence

ORIGIN = (112.90, 22.80)  # south-west corner of the first district (lng, lat)
DISTRICT_SIZE = (0.20, 0.16)  # degrees: ~20 km x 18 km
DISTRICTS_PER_ROW = 5


@dataclass(slots=True)
class RegionInfo:
    id: int
    code: str
    name: str
    level: int
    parent_id: int | None
    path: str
    box: tuple[float, float, float, float]  # min_lng, min_lat, max_lng, max_lat
    street_id: int | None = None
    district_id: int | None = None
    village_id: int | None = None


def tiles(box, n):
    """`n` sub-rectangles of `box`, row by row from the north-west (cols = ceil(sqrt(n)))."""
    min_lng, min_lat, max_lng, max_lat = box
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    w, h = (max_lng - min_lng) / cols, (max_lat - min_lat) / rows
    out = []
    for k in range(n):
        r, c = divmod(k, cols)
        out.append((
            round(min_lng + c * w, 6),
            round(max_lat - (r + 1) * h, 6),
            round(min_lng + (c + 1) * w, 6) if c + 1 < cols else max_lng,
            round(max_lat - r * h, 6),
        ))
    return out


COLUMNS = [
    "id", "code", "name", "level", "parent_id", "path", "boundary",
    "centre_lat", "centre_lng", "min_lat", "max_lat", "min_lng", "max_lng", "created_at", "updated_at",
]


@register("regions", models=("grids.Region",))
def seed_regions(ctx) -> int:
    cfg, rng = ctx.config, ctx.rng
    from django.utils import timezone

    now = timezone.now()
    next_pk = next_id(Region)
    levels: dict[int, list[RegionInfo]] = {1: [], 2: [], 3: [], 4: []}

    def add(writer, code, name, level, parent: RegionInfo | None, box):
        nonlocal next_pk
        info = RegionInfo(next_pk, code, name, level, parent.id if parent else None, (parent.path if parent else "") + code + "/", box)
        if parent is not None:
            info.district_id = parent.district_id if level > 2 else parent.id
            info.street_id = parent.street_id if level > 3 else (parent.id if level == 3 else None)
            info.village_id = parent.id if level == 4 else None
        next_pk += 1
        min_lng, min_lat, max_lng, max_lat = box
        writer.write((
            info.id, code, name, level, info.parent_id, info.path, geo.rectangle(*box),
            round((min_lat + max_lat) / 2, 6), round((min_lng + max_lng) / 2, 6), min_lat, max_lat, min_lng, max_lng, now, now,
        ))
        levels[level].append(info)
        return info

    with BulkWriter(Region, COLUMNS) as w:
        for d in range(cfg.districts):
            code, name = names.district(d)
            row, col = divmod(d, DISTRICTS_PER_ROW)
            lng0, lat0 = ORIGIN[0] + col * DISTRICT_SIZE[0], ORIGIN[1] + row * DISTRICT_SIZE[1]
            dbox = (round(lng0, 6), round(lat0, 6), round(lng0 + DISTRICT_SIZE[0], 6), round(lat0 + DISTRICT_SIZE[1], 6))
            district = add(w, code, name, 1, None, dbox)
            district.district_id = district.id
            for s, sbox in enumerate(tiles(dbox, cfg.streets), start=1):
                suffix = "街道" if s <= max(1, cfg.streets * 2 // 3) else "镇"
                street = add(w, f"{code}{s:03d}", names.place(rng) + suffix, 2, district, sbox)
                for v, vbox in enumerate(tiles(sbox, cfg.villages), start=1):
                    v_name = names.place(rng) + ("社区" if v % 3 else "村")
                    village = add(w, f"{street.code}{v:03d}", v_name, 3, street, vbox)
                    for g, gbox in enumerate(tiles(vbox, cfg.grids), start=1):
                        add(w, f"{village.code}{g:03d}", f"{v_name}第{g}网格", 4, village, gbox)
    reset_sequence(Region)
    ctx.data["regions"] = levels
    ctx.data["region_by_id"] = {r.id: r for lvl in levels.values() for r in lvl}
    return w.count
