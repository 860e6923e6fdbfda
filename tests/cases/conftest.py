import uuid

import pytest

from cases.models import CaseCategory


@pytest.fixture
def categories(db):
    street = CaseCategory.objects.create(code="05", name="街面秩序")
    return {
        "major": street,
        "0507": CaseCategory.objects.create(code="0507", name="乱堆物料", parent=street, on_discovery=True, phrases=["门前堆放杂物"]),
        "0504": CaseCategory.objects.create(code="0504", name="店外经营", parent=street, on_discovery=False),
    }


@pytest.fixture
def report_kwargs(categories):
    def make(**overrides):
        kwargs = dict(client_uuid=uuid.uuid4(), category=categories["0504"], description="水果店占道经营", latitude=22.95, longitude=23.0 + 90.11)
        kwargs["longitude"] = 113.11
        kwargs.update(overrides)
        return kwargs

    return make
