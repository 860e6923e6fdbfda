"""The synthetic corpus (Pillow + Noto CJK, known values) and upload helpers for the scan tests."""

import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from scan import synthetic


@pytest.fixture(scope="session")
def id_values():
    rng = random.Random(2026)
    return [synthetic.random_id_card(rng) for _ in range(2)]


@pytest.fixture(scope="session")
def licence_values():
    rng = random.Random(3)
    return [synthetic.random_licence(rng)]


@pytest.fixture(scope="session")
def id_images(id_values):
    """{(index, degradation): PIL image}: the first card in every mild degradation, the second clean and low-contrast."""
    out = {}
    for i, values in enumerate(id_values):
        base = synthetic.render_id_card(values, seed=i)
        for kind in synthetic.MILD if i == 0 else ("clean", "contrast"):
            out[(i, kind)] = Image.open(io.BytesIO(synthetic.jpeg_bytes(synthetic.degrade(base, kind, seed=i))))
    return out


@pytest.fixture(scope="session")
def licence_images(licence_values):
    out = {}
    for i, values in enumerate(licence_values):
        base = synthetic.render_licence(values, seed=i)
        for kind in ("clean", "noise", "perspective"):
            out[(i, kind)] = Image.open(io.BytesIO(synthetic.jpeg_bytes(synthetic.degrade(base, kind, seed=i))))
    return out


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def id_card_upload(values, *, seed=0, degradation="clean", name="id.jpg"):
    im = synthetic.degrade(synthetic.render_id_card(values, seed=seed), degradation, seed=seed)
    return upload(name, synthetic.jpeg_bytes(im))


def licence_upload(values, *, seed=0, name="licence.jpg"):
    return upload(name, synthetic.jpeg_bytes(synthetic.render_licence(values, seed=seed)))
