import pytest
from django.core.exceptions import ValidationError

from grids import geo
from grids.selectors import grid_for_point
from grids.services import region_create, region_update

pytestmark = pytest.mark.django_db


def test_code_must_extend_parent_code(tree):
    with pytest.raises(ValidationError) as exc:
        region_create(code="440605011003", name="错社区", level=3, parent=tree["s1"])
    assert "未以上级代码" in str(exc.value.message_dict["code"])


def test_code_length_follows_level(tree):
    with pytest.raises(ValidationError) as exc:
        region_create(code="4406040110031", name="错", level=3, parent=tree["s1"])
    assert "12 位数字" in str(exc.value.message_dict["code"])


def test_level_must_follow_parent(tree):
    with pytest.raises(ValidationError) as exc:
        region_create(code="440604011003001", name="跳级网格", level=4, parent=tree["s1"])
    assert "parent" in exc.value.message_dict


def test_grid_outside_its_village_is_rejected(tree):
    with pytest.raises(ValidationError) as exc:
        region_create(code="440604011001009", name="越界网格", level=4, parent=tree["v1"], boundary=geo.rectangle(113.16, 22.95, 113.18, 22.97))
    assert "超出了上级" in str(exc.value.message_dict["boundary"])


def test_invalid_geojson_is_rejected(tree):
    with pytest.raises(ValidationError) as exc:
        region_create(code="440604011001009", name="坏边界", level=4, parent=tree["v1"], boundary={"type": "Point", "coordinates": [113.1, 22.9]})
    assert "不是有效的 GeoJSON" in str(exc.value.message_dict["boundary"])


def test_cycle_in_the_tree_is_rejected(tree):
    # A street cannot move under one of its own villages (level and cycle rules both refuse it).
    with pytest.raises(ValidationError) as exc:
        region_update(region=tree["s1"], parent=tree["v1"])
    assert "parent" in exc.value.message_dict


def test_cycle_detection_on_same_level_chain(tree):
    s1 = tree["s1"]
    assert s1._creates_cycle(tree["v1"]) is True
    assert s1._creates_cycle(tree["s2"]) is False


def test_only_districts_at_the_top(db):
    with pytest.raises(ValidationError):
        region_create(code="440604011", name="孤儿街道", level=2)


def test_point_resolves_to_its_grid(tree):
    assert grid_for_point(lat=22.95, lng=113.11).code == "440604011001001"
    assert grid_for_point(lat=22.95, lng=113.19).code == "440604011002002"
    assert grid_for_point(lat=25.0, lng=113.11) is None


def test_geometry_helpers():
    square = geo.rectangle(0, 0, 1, 1)
    assert geo.contains_point(square, 0.5, 0.5)
    assert geo.contains_point(square, 1, 0.5)  # on the edge
    assert not geo.contains_point(square, 1.5, 0.5)
    assert geo.centroid(square) == pytest.approx((0.5, 0.5))
    donut = {"type": "Polygon", "coordinates": [square["coordinates"][0], [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6], [0.4, 0.4]]]}
    assert not geo.contains_point(donut, 0.5, 0.5)
    assert geo.distance_m(23.0, 113.1, 23.001, 113.1) == pytest.approx(111.2, abs=0.5)
