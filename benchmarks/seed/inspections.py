"""Seed step: the unified checklist, places, submitted inspections and their answers.

The checklist (inspections/data/checklist.json, 247 items, 9 scenes) is reference
data and goes through the app's own services (``checklist_create`` → publish), as
the demo does. Places, inspections and answers are bulk-written, filled as the
model's docstring lists (tallies, denormalised department / region path /
submitted_at on answers).

Failed items become cases in the application, so failures are seeded from the
cases step's inspection-source cases: for such a case whose category some scene
item raises, an inspection of a place of that scene's type in the case's grid is
submitted when the case was reported, by the case's grid worker, with that item
failed and linked to the case (fixed on the spot when the case was self-handled).
Up to a third of the inspections are drawn like that; the rest pass or skip every
item. Photos are not seeded (no files are written).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import names, register
from .writer import BulkWriter, SeedError, fast_load, next_id, reset_sequence

CHECKLIST_JSON = Path(settings.BASE_DIR) / "inspections" / "data" / "checklist.json"
FAILURE_SHARE = 1 / 3  # at most this share of inspections carries a failed item (and its case)
INSPECTIONS_PER_PLACE = 5


def _checklist():
    from inspections import services
    from inspections.models import ChecklistVersion

    spec = json.loads(CHECKLIST_JSON.read_text(encoding="utf-8"))
    version = ChecklistVersion.objects.filter(label=spec["version"]).first()
    if version is None:
        version = services.checklist_create(spec=spec)
    if version.status != ChecklistVersion.Status.PUBLISHED:
        version = services.checklist_version_publish(version=version)
    return version


@register("inspections", models=("inspections.ChecklistVersion", "inspections.Place", "inspections.Inspection", "inspections.Answer"))
def seed_inspections(ctx) -> int:
    from cases.models import Case
    from inspections.models import Answer, Inspection, Place

    cfg, rng = ctx.config, ctx.rng
    if cfg.inspections <= 0:
        return 0
    if not CHECKLIST_JSON.exists():
        raise SeedError(f"{CHECKLIST_JSON} is missing: the checklist is needed to seed inspections")
    version = _checklist()
    # The full list of each kind of place (not its short list, nor 综合巡查): the inspections people file most.
    scenes = list(version.scenes.filter(kind="type").prefetch_related("items"))
    scene_items = {s.pk: [(i.pk, i.category_id, i.department_id, tuple(i.fail_reasons) or ("不合格",)) for i in s.items.all()] for s in scenes}
    scene_by_type = {t: s for s in scenes for t in s.place_types}
    place_types = sorted(scene_by_type)
    if not place_types:
        raise SeedError("the published checklist has no scene with place types")
    # category id -> [(scene, item index)] for items that raise that category
    raises: dict[int, list] = {}
    for s in scenes:
        for k, (_item, category_id, _dept, _reasons) in enumerate(scene_items[s.pk]):
            raises.setdefault(category_id, []).append((s, k))

    grids = ctx.data["regions"][4]
    grid_by_id = ctx.data["region_by_id"]
    workers = ctx.data["staff"]["grid_worker"]
    now = timezone.now()
    days = max(1, round(cfg.months * 30.44))

    # -- places: a few per grid, plus the ones failed inspections need -----------------------------
    place_rows: list[tuple] = []
    places_by_grid: dict[int, list[tuple[int, str]]] = {}
    next_place = next_id(Place)

    def add_place(grid, place_type):
        nonlocal next_place
        pk = next_place
        next_place += 1
        min_lng, min_lat, max_lng, max_lat = grid.box
        lat = round(min_lat + (max_lat - min_lat) * (0.1 + 0.8 * rng.random()), 6)
        lng = round(min_lng + (max_lng - min_lng) * (0.1 + 0.8 * rng.random()), 6)
        name = f"{names.place(rng)}{rng.choice(names.SHOPS)}"
        place_rows.append((pk, name, place_type, f"{rng.choice(names.ROADS)}{rng.randint(1, 300)}号", lat, lng, grid.id, grid.path, now, now))
        places_by_grid.setdefault(grid.id, []).append((pk, place_type))
        return pk, lat, lng

    place_info: dict[int, tuple] = {}  # pk -> (grid, lat, lng, scene)
    for _ in range(max(1, cfg.inspections // INSPECTIONS_PER_PLACE)):
        grid = rng.choice(grids)
        place_type = rng.choice(place_types)
        pk, lat, lng = add_place(grid, place_type)
        place_info[pk] = (grid, lat, lng, scene_by_type[place_type])

    # -- inspections with a failure: one per linkable inspection-source case ------------------------
    budget = int(cfg.inspections * FAILURE_SHARE)
    linked = []  # (case id, grid id, created_at, reporter id, scene, item index, self-handled)
    cases = (
        Case.objects.filter(source=Case.Source.INSPECTION, category_id__in=list(raises)).order_by("id")
        .values_list("id", "grid_id", "created_at", "reporter_id", "category_id", "status")
    )
    for case_id, grid_id, created, reporter_id, category_id, status in cases.iterator(chunk_size=10_000):
        if len(linked) >= budget:
            break
        scene, k = rng.choice(raises[category_id])
        linked.append((case_id, grid_id, created, reporter_id, scene, k, status == Case.Status.SELF_HANDLED))

    plans = []  # (place pk, grid, scene, submitted_at, inspector id, failed item index or None, case id, fixed)
    for case_id, grid_id, created, reporter_id, scene, k, fixed in linked:
        grid = grid_by_id[grid_id]
        place_type = rng.choice(scene.place_types)
        mine = [pk for pk, t in places_by_grid.get(grid_id, []) if t == place_type]
        if mine:
            pk = rng.choice(mine)
        else:
            pk, lat, lng = add_place(grid, place_type)
            place_info[pk] = (grid, lat, lng, scene)
        plans.append((pk, grid, scene, created, reporter_id or workers.get(grid_id), k, case_id, fixed))
    all_places = list(place_info)
    start = now - dt.timedelta(days=days)
    for _ in range(cfg.inspections - len(plans)):
        pk = rng.choice(all_places)
        grid, _lat, _lng, scene = place_info[pk]
        at = start + dt.timedelta(seconds=rng.random() * days * 86400)
        plans.append((pk, grid, scene, at, workers.get(grid.id), None, None, False))
    plans.sort(key=lambda p: p[3])

    with fast_load(Place, Inspection, Answer):
        rows = _write(rng, place_rows, plans, place_info, scene_items, version)
    reset_sequence(Place)
    reset_sequence(Inspection)
    ctx.out(f"  {len(place_rows):,} places, {len(plans):,} inspections, {len(linked):,} with a failed item linked to its case")
    return rows


def _write(rng, place_rows, plans, place_info, scene_items, version) -> int:
    """Places, then inspections and their answers in chunks (answers need their inspection's id)."""
    from inspections.models import Answer, Inspection, Place, Result

    with BulkWriter(Place, ["id", "name", "place_type", "address", "latitude", "longitude", "grid_id", "region_path", "created_at", "updated_at"]) as w:
        w.write_many(place_rows)
    rows = w.count

    inspection_cols = [
        "id", "client_uuid", "place_id", "scene_id", "version_id", "inspector_id", "grid_id", "region_path", "status",
        "started_at", "submitted_at", "latitude", "longitude", "location_flag", "draft", "pass_count", "fail_count",
        "na_count", "created_at", "updated_at",
    ]
    answer_cols = ["inspection_id", "item_id", "result", "fail_reason", "fixed_on_spot", "case_id", "department_id", "region_path", "submitted_at"]
    pk = next_id(Inspection)
    chunk_i, chunk_a = [], []

    def flush():
        nonlocal rows
        with BulkWriter(Inspection, inspection_cols) as wi:
            wi.write_many(chunk_i)
        with BulkWriter(Answer, answer_cols) as wa:
            wa.write_many(chunk_a)
        rows += wi.count + wa.count
        chunk_i.clear()
        chunk_a.clear()

    for place_pk, grid, scene, at, inspector, failed_k, case_id, fixed in plans:
        if inspector is None:
            continue
        _g, lat, lng, _s = place_info[place_pk]
        counts = {Result.PASS: 0, Result.FAIL: 0, Result.NA: 0}
        for k, (item_id, _category, department_id, reasons) in enumerate(scene_items[scene.pk]):
            if k == failed_k:
                result, reason, case = Result.FAIL, rng.choice(reasons), case_id
            else:
                result, reason, case = (Result.NA if rng.random() < 0.08 else Result.PASS), "", None
            counts[result] += 1
            chunk_a.append((pk, item_id, result, reason, fixed if case else False, case, department_id, grid.path, at))
        chunk_i.append((
            pk, uuid.UUID(int=rng.getrandbits(128), version=4), place_pk, scene.pk, version.pk, inspector, grid.id, grid.path,
            Inspection.Status.SUBMITTED, at - dt.timedelta(minutes=rng.randint(5, 30)), at,
            round(lat + rng.uniform(-0.0002, 0.0002), 6), round(lng + rng.uniform(-0.0002, 0.0002), 6), "", {},
            counts[Result.PASS], counts[Result.FAIL], counts[Result.NA], at, at,
        ))
        pk += 1
        if len(chunk_a) >= 100_000:
            flush()
    flush()
    return rows
