import shapely

from gis.geometry import repair_geometries


def test_bowtie_is_repaired_and_counted():
    bowtie = shapely.from_wkt("POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))")
    result = repair_geometries([bowtie], "MULTIPOLYGON")
    assert result.repaired == [0]
    assert result.geoms[0].geom_type == "MultiPolygon" and result.geoms[0].is_valid


def test_empty_and_nan_are_rejected_with_reasons():
    result = repair_geometries(
        [shapely.from_wkt("POINT EMPTY"), shapely.Point(float("nan"), 1), None], "POINT"
    )
    assert set(result.rejected) == {0, 1, 2}
    assert "NaN" in result.rejected[1]


def test_wrong_type_is_rejected_and_multipoint_of_one_is_accepted():
    line = shapely.from_wkt("LINESTRING(0 0, 1 1)")
    one = shapely.from_wkt("MULTIPOINT((1 2))")
    result = repair_geometries([line, one], "POINT")
    assert 0 in result.rejected and "LineString" in result.rejected[0]
    assert result.geoms[1].geom_type == "Point"


def test_z_values_are_dropped():
    result = repair_geometries([shapely.from_wkt("POINT Z (1 2 3)")], "POINT")
    assert not result.geoms[0].has_z


def test_a_mixed_layer_keeps_only_its_dimensions():
    point = shapely.Point(1, 2)
    line = shapely.from_wkt("LINESTRING(0 0, 1 1)")
    square = shapely.box(0, 0, 1, 1)
    bowtie_lines = shapely.from_wkt("MULTILINESTRING((0 0, 1 1), (1 0, 0 1))")
    result = repair_geometries([point, line, square, bowtie_lines], "GEOMETRY", (0, 2))
    assert result.geoms[0] == point and result.geoms[2] == square
    assert result.rejected == {
        1: "a LineString where a point or a polygon is expected",
        3: "a MultiLineString where a point or a polygon is expected",
    }
    assert result.geoms[1] is None and result.geoms[3] is None
    # without dimensions a mixed layer takes every kind
    assert repair_geometries([line], "GEOMETRY").geoms == [line]
