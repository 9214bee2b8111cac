"""The report's raster table: values with the release cited, 无数据 with the reason, never zeros."""

from __future__ import annotations

from web.report import raster_rows, render_report

RASTER = {"release": "demo-2024", "source": "meteva", "licence": "GPL-3.0", "synthetic": False}
SCREENING = {
    "id": 3,
    "name": "坡地项目",
    "verdict": "FLAG",
    "as_of": "2025-06-30",
    "results": [
        {
            "rule_id": "R-SWCL-20-SLOPE",
            "title": "坡度",
            "outcome": "FLAG",
            "jurisdiction": "全国",
            "evidence": [{"raster": RASTER, "layer": "dem", "stat": "slope_mean", "value": 31.2}],
        }
    ],
    "rasters": [
        {
            "layer": "dem",
            "title": "数字高程模型（DEM）",
            "kind": "continuous",
            "raster": RASTER,
            "geometry": {
                "status": "ok",
                "min": 120.0,
                "mean": 180.4,
                "max": 260.0,
                "slope_mean": 31.2,
                "slope_max": 40.5,
            },
            "buffer_m": 500,
            "buffer": {"status": "ok", "min": 90.0, "mean": 170.0, "max": 300.0},
        },
        {
            "layer": "land_cover",
            "title": "土地覆被",
            "kind": "categorical",
            "geometry": {
                "status": "no_data",
                "reason": "no_release",
                "text": "图层 土地覆被 在 2025-06-30 无有效版本",
            },
        },
    ],
}


def test_the_table_gives_values_parts_and_the_release():
    rows = raster_rows(SCREENING)
    assert [r["where"] for r in rows] == ["项目范围", "缓冲区 500 米", "项目范围"]
    assert "坡度平均 31.2°" in rows[0]["values"] and "180" in rows[0]["values"]
    assert rows[0]["release"].startswith("demo-2024（meteva；GPL-3.0")
    assert rows[2]["values"].startswith("无数据（图层 土地覆被") and rows[2]["release"] == "—"


def test_the_report_renders_the_table_and_keeps_raster_evidence_out_of_the_feature_table():
    html = render_report(SCREENING, [])
    assert "栅格统计" in html and 'id="rasters"' in html
    evidence = html[html.index("五、证据要素") : html.index("栅格统计")]
    assert "未命中任何要素" in evidence
    # the statistics themselves, not the dict's `values` method
    table = html[html.index('id="rasters"') :]
    assert "坡度平均 31.2°" in table and "无数据（图层 土地覆被" in table
    assert "built-in method" not in html
