"""Outfalls in two cities with known 查测溯治 histories, for the outfall lifecycle tests.

On 2024-01-01: 3202 has 3 outfalls, all surveyed, 1 closed (销号), none overdue; 3207 has
2, neither surveyed by the 2023-12-31 deadline (2 survey-overdue). On 2026-01-10: 3202 has
2 remediation-overdue (3202-A2 past the plan's 2025-12-31, 3202-A3 past its own
2024-06-30); 3207 has 2 (3207-B1 closed only on 2026-01-15, 3207-B2 never surveyed).
"""

from datetime import date
from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy.orm import Session

from layers.ingest.files import SourceData
from layers.ingest.importer import ImportOptions, import_source
from layers.ingest.outfall_events import import_outfall_events

#: code → (type, receiving_water, own deadline, admin_code)
OUTFALLS = {
    "3202-A1": ("入湖", "太湖", None, "320282"),
    "3202-A2": ("入河", "京杭运河", None, "320281"),
    "3202-A3": ("入河", "锡澄运河", "2024-06-30", "320281"),
    "3207-B1": ("入海", "黄海", None, "320703"),
    "3207-B2": ("入河", "蔷薇河", None, "320706"),
}

#: Rows deliberately out of order: the history sorts them.
EVENTS = """排污口编码,阶段,日期,文件,备注
3202-A1,销号,2023-11-30,锡环〔2023〕12号,验收合格
3202-A1,排查,2022-03-01,排查报告,
3202-A1,监测,2022/6/1,,
3202-A1,溯源,2022年9月1日,,
3202-A1,整治,2023-03-01,一口一策方案,
3202-A2,排查,2023-05-01,,
3202-A2,监测,2023-08-01,,
3202-A2,整治,2024-05-01,,
3202-A3,排查,2023-02-01,,
3202-A3,溯源,2023-06-01,,
3207-B1,排查,2024-03-01,,补查
3207-B1,销号,2026-01-15,,
"""


def load_outfalls(session: Session, tmp_path: Path) -> None:
    """Import :data:`OUTFALLS` as a release and :data:`EVENTS` as their history."""
    codes = list(OUTFALLS)
    frame = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [f"排污口{c}" for c in codes],
            "type": [OUTFALLS[c][0] for c in codes],
            "receiving_water": [OUTFALLS[c][1] for c in codes],
            "deadline": [OUTFALLS[c][2] for c in codes],
            "admin_code": [OUTFALLS[c][3] for c in codes],
            "hj1312_class": ["工业", "城镇污水处理厂排污口", "农业排口", "其他", "其他排口"],
        },
        geometry=[shapely.Point(120.0 + i * 0.1, 31.5) for i in range(len(codes))],
        crs=4326,
    )
    import_source(
        session,
        SourceData(frame=frame, crs=frame.crs, format="test"),
        ImportOptions(collection="outfalls", release="of-test", valid_from=date(2020, 1, 1)),
        label="test",
    )
    f = tmp_path / "events.csv"
    f.write_text(EVENTS, encoding="utf-8")
    import_outfall_events(session, f)
