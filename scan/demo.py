"""Demo scans: a review queue of two ID cards for the grid worker of 丽豪社区第1网格.

The photos are synthetic cards (``scan.synthetic``; a plain placeholder when the Noto CJK
font is not installed) and their recognition is written as OCR would have written it — one
field with a low confidence, so the highlighting shows — without running tesseract: the demo
must load in seconds and without OCR installed. Idempotent: fixed UUIDs.
"""

from __future__ import annotations

import random
import uuid

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from .models import Kind, Scan, ScanBatch

NAMESPACE = uuid.UUID("0b9f6a52-3c1e-4e0d-9a51-5d2f7c3e8a11")
USERNAME = "lihao_grid01"


def _photo(values, seed: int) -> bytes:
    from PIL import Image

    from . import synthetic

    try:
        im = synthetic.render_id_card(values, seed=seed, scale=0.6)
    except (FileNotFoundError, OSError):
        im = Image.new("RGB", (1027, 648), (236, 242, 246))
    return synthetic.jpeg_bytes(im)


def seed(ctx) -> None:
    from . import synthetic

    user = get_user_model().objects.filter(username=USERNAME).select_related("profile").first()
    if user is None:
        ctx.say("Scan: no demo grid worker, skipped")
        return
    batch_uuid = uuid.uuid5(NAMESPACE, "batch-1")
    if ScanBatch.objects.filter(uuid=batch_uuid).exists():
        ctx.say("Scan: demo review queue already there")
        return
    from .services import scan_region_path

    region_path = scan_region_path(user)
    rng = random.Random(20261130)
    with transaction.atomic():
        batch = ScanBatch.objects.create(uuid=batch_uuid, kind=Kind.ID_CARD, started_by=user, region_path=region_path, count=2)
        for i in range(2):
            values = synthetic.random_id_card(rng)
            fields = {k: {"value": v, "confidence": 0.93, "valid": None, "corrected": False} for k, v in values.fields().items()}
            fields["id_number"].update(valid=True, confidence=0.97)
            fields["nation" if i == 0 else "name"]["confidence"] = 0.41  # one doubtful field each
            scan = Scan(uuid=uuid.uuid5(NAMESPACE, f"scan-{i}"), batch=batch, position=i, kind=Kind.ID_CARD,
                        status=Scan.Status.RECOGNISED, original_name=f"IMG_{2041 + i}.jpg", sha256="demo",
                        region_path=region_path, started_by=user, recognition={"kind": "id_card", "fields": fields, "warnings": []},
                        text="\n".join(values.fields().values()))
            scan.image.save(f"{scan.uuid}.jpg", ContentFile(_photo(values, i)), save=False)
            scan.save()
    ctx.say(f"Scan: a review queue of 2 ID cards for {USERNAME} (/scan/b/{batch.uuid}/)")
