from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from citysafe.core.geo import convert_geometry, gcj02_to_wgs84, haversine_m, wgs84_to_gcj02


def test_known_offset_in_nanjing() -> None:
    # The GCJ-02 shift in Nanjing is a few hundred metres to the east-south-east (public reference values
    # of the published transform: WGS84 118.7969, 32.0603 -> GCJ-02 118.80207, 32.05809 within 1e-5).
    lon, lat = wgs84_to_gcj02(118.7969, 32.0603)
    assert abs(lon - 118.80207) < 2e-4 and abs(lat - 32.05809) < 2e-4
    assert 300 < haversine_m(118.7969, 32.0603, lon, lat) < 800


@settings(max_examples=500)
@given(st.floats(min_value=73.7, max_value=135.0), st.floats(min_value=18.2, max_value=53.5))
def test_round_trip_error_below_a_millimetre(lon: float, lat: float) -> None:
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert haversine_m(lon, lat, back_lon, back_lat) < 1e-3


def test_outside_china_is_identity() -> None:
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)


def test_convert_geometry_nested() -> None:
    polygon = {"type": "Polygon", "coordinates": [[[118.8, 32.0], [118.9, 32.0], [118.9, 32.1], [118.8, 32.0]]]}
    out = convert_geometry(polygon, "gcj02")
    assert out["type"] == "Polygon"
    first = out["coordinates"][0][0]
    assert first != [118.8, 32.0] and abs(first[0] - 118.8) < 0.01
    assert convert_geometry(polygon, "wgs84") == polygon


def test_to_wgs84_converts_gcj02_checks_and_keeps_wgs84() -> None:
    from citysafe.core.geo import Location, location_wgs84, to_wgs84

    glon, glat = wgs84_to_gcj02(118.7969, 32.0603)
    lon, lat = to_wgs84(glon, glat, "gcj02")
    assert abs(lon - 118.7969) < 1e-6 and abs(lat - 32.0603) < 1e-6
    assert to_wgs84(118.7969, 32.0603, "wgs84") == (118.7969, 32.0603)
    assert location_wgs84(Location(lon=glon, lat=glat, crs="gcj02")) == (lon, lat)
    assert location_wgs84(None) == (None, None)
    for bad in ((118.0, 32.0, "bd09"), (190.0, 32.0, "wgs84"), (118.0, -91.0, "gcj02")):
        try:
            to_wgs84(*bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} accepted")


def test_a_box_holds_its_edges_and_overlaps_what_touches_it() -> None:
    from citysafe.core.geo import BoundingBox

    box = BoundingBox(118.7, 32.0, 118.9, 32.1)
    assert box.holds(118.7, 32.1) and box.holds(118.8, 32.05)
    assert not box.holds(118.95, 32.05) and not box.holds(118.8, 31.99)
    assert box.overlaps(BoundingBox(118.9, 32.1, 119.0, 32.2))  # a shared corner
    assert box.overlaps(BoundingBox(118.0, 31.0, 120.0, 33.0))  # around it
    assert not box.overlaps(BoundingBox(118.91, 32.0, 119.0, 32.1))
    assert not box.overlaps(BoundingBox(118.7, 32.11, 118.9, 32.2))
