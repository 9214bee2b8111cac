"""Control units and entry-list files for the conformity tests (江阴: 320281, in 无锡 320200)."""

from __future__ import annotations

import csv
import uuid
from datetime import date
from pathlib import Path

import geopandas as gpd
from openpyxl import Workbook
from shapely.geometry import box
from sqlalchemy.orm import Session

from layers.ingest.entry_lists import EntryListOptions, import_entry_list
from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from tests.admin_fixture import load_admin

JIANGYIN = (120.28, 31.85)
#: Two units side by side in 江阴: west (bans 化工) and east.
UNIT_W = "ZH32028120001"
UNIT_E = "ZH32028130001"
UNITS_VALID_FROM = date(2020, 1, 1)


def west_box(half: float = 0.02) -> tuple[float, float, float, float]:
    lon, lat = JIANGYIN
    return (lon - 2 * half, lat - half, lon, lat + half)


def east_box(half: float = 0.02) -> tuple[float, float, float, float]:
    lon, lat = JIANGYIN
    return (lon, lat - half, lon + 2 * half, lat + half)


def load_units(session: Session) -> int:
    """江阴 as county/city/province and two control units; the units' release id."""
    load_admin(session, "320281", JIANGYIN, half_deg=0.5)
    rows = [
        {"code": UNIT_W, "name": "江阴测试重点单元", "unit_class": "重点管控单元",
         "admin_code": "320281"},
        {"code": UNIT_E, "name": "江阴测试一般单元", "unit_class": "一般管控单元",
         "admin_code": "320281"},
    ]  # fmt: skip
    frame = gpd.GeoDataFrame(rows, geometry=[box(*west_box()), box(*east_box())], crs="EPSG:4326")
    report = import_source(
        session,
        SourceData(frame, frame.crs, "test"),
        ImportOptions(
            collection="control_units",
            release=f"units-{uuid.uuid4().hex[:6]}",
            valid_from=UNITS_VALID_FROM,
        ),
        label="test",
    )
    return report.release_id


WIDE_HEADERS = ["序号", "环境管控单元编码", "环境管控单元名称", "省", "市", "县", "管控单元分类",
                "空间布局约束", "污染物排放管控", "环境风险防控", "资源开发效率要求"]  # fmt: skip
BAN_TEXT = "１．禁止新建化工项目。２．严格控制印染项目规模。"


def write_wide_xlsx(path: Path, rows: list[list[str]] | None = None) -> Path:
    """A published-style sheet: a merged title row, a merged note row, then headers and units."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["无锡市环境管控单元生态环境准入清单（测试）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(WIDE_HEADERS))
    sheet.append(["附表2"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=4)
    sheet.append(WIDE_HEADERS)
    for row in rows if rows is not None else default_wide_rows():
        sheet.append(row)
    book.save(path)
    return path


def default_wide_rows() -> list[list[str]]:
    return [
        ["1", UNIT_W, "江阴测试重点单元", "江苏省", "无锡市", "江阴市", "重点管控单元",
         BAN_TEXT, "（1）实行重点污染物排放减量置换；（2）新建项目达到超低排放标准",
         "①建立环境风险应急预案②定期开展隐患排查", "提高水资源利用效率；推进清洁生产"],
        ["2", UNIT_E, "江阴测试一般单元", "江苏省", "无锡市", "江阴市", "一般管控单元",
         "1、严格控制高耗能项目", "落实总量控制要求", "", "节约集约利用土地"],
    ]  # fmt: skip


LONG_HEADERS = ["单元编码", "行政区划代码", "管控层级", "管控维度", "条款序号", "管控要求",
                "出处", "禁止类行业", "限制类行业"]  # fmt: skip


def write_long_csv(path: Path, rows: list[list[str]] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(LONG_HEADERS)
        writer.writerows(rows if rows is not None else default_long_rows())
    return path


def default_long_rows() -> list[list[str]]:
    return [
        ["", "320000", "省级", "空间布局约束", "1",
         "严禁新增钢铁、焦化、炼油、电解铝、水泥、平板玻璃（不含光伏玻璃）等产能",
         "《江苏省减污降碳协同增效实施方案》", "", ""],
        ["", "320000", "省级", "污染物排放管控", "1",
         "实行建设项目（除重大民生项目）重点污染物排放减量置换", "《江苏省“十四五”生态环境保护规划》",
         "", ""],
        ["", "320200", "市级", "环境风险防控", "1", "沿江化工企业严格落实环境风险防控措施", "", "",
         "化工"],
        [UNIT_W, "", "单元", "空间布局约束", "1", "禁止新建化工项目", "", "化工", ""],
        [UNIT_W, "", "单元", "空间布局约束", "2", "严格控制印染项目规模", "", "", "印染"],
        [UNIT_W, "", "单元", "资源开发效率要求", "1", "提高水资源利用效率", "", "", ""],
    ]  # fmt: skip


def load_long(session: Session, tmp_path: Path, release: str = "EL-1",
              valid_from: date = date(2021, 1, 1)) -> None:  # fmt: skip
    import_entry_list(
        session,
        write_long_csv(tmp_path / f"{release}.csv"),
        EntryListOptions(release=release, valid_from=valid_from),
    )


#: Element control zones in 江阴: an air zone over the west unit's east half, and a
#: groundwater no-extraction zone over the whole west unit.
AIR_ZONE = "YS3202812310001"
GROUNDWATER_ZONE = "YS3202815210001"


def load_zones(session: Session) -> None:
    """The two element zones (``AIR_ZONE`` in ``air_control_zones``, ``GROUNDWATER_ZONE``)."""
    lon, lat = JIANGYIN
    for collection, code, name, subtype, geom in (
        ("air_control_zones", AIR_ZONE, "江阴测试高排放区", "大气环境高排放重点管控区",
         box(lon - 0.02, lat - 0.02, lon, lat + 0.02)),
        ("groundwater_zones", GROUNDWATER_ZONE, "江阴测试禁采区", "地下水禁采区",
         box(*west_box())),
    ):  # fmt: skip
        frame = gpd.GeoDataFrame(
            [{"code": code, "name": name, "element_subtype": subtype, "admin_code": "320281"}],
            geometry=[geom],
            crs="EPSG:4326",
        )
        import_source(
            session,
            SourceData(frame, frame.crs, "test"),
            ImportOptions(
                collection=collection,
                release=f"zones-{uuid.uuid4().hex[:6]}",
                valid_from=UNITS_VALID_FROM,
            ),
            label="test",
        )


def element_rows() -> list[list[str]]:
    """Long-layout rows of the two zones' own clauses (level 要素管控分区)."""
    return [
        [AIR_ZONE, "", "要素管控分区", "空间布局约束", "1", "禁止新建钢铁、焦化项目", "", "钢铁、焦化",
         ""],
        [AIR_ZONE, "", "要素管控分区", "污染物排放管控", "1", "新建项目执行大气污染物特别排放限值",
         "", "", ""],
        [GROUNDWATER_ZONE, "", "要素管控分区", "资源开发效率要求", "1", "禁止开采地下水", "", "",
         ""],
    ]  # fmt: skip
