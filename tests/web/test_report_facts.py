"""The report's 项目概况 in a reviewer's words: 建设地点, 几何类型, 缓冲距离."""

from __future__ import annotations

from web.report import render_report, site_text

DIVISIONS = [
    {"adcode": "320102", "name": "玄武区"},
    {"adcode": "320000", "name": "江苏省"},
    {"adcode": "320106", "name": "鼓楼区"},
    {"adcode": "320100", "name": "南京市"},
]


def test_site_names_province_city_and_every_county_under_the_project():
    assert site_text({"jurisdiction": {"divisions": DIVISIONS}}) == "江苏省南京市玄武区、鼓楼区"
    assert site_text({"jurisdiction": {"divisions": DIVISIONS[1:2]}}) == "江苏省"
    assert site_text({}).startswith("未能确定")


def test_the_report_prints_the_site_geometry_type_and_buffer_in_words():
    screening = {
        "id": 1,
        "name": "某项目",
        "kind": "新建",
        "industry": "化工",
        "buffer_m": 1000.0,
        "as_of": "2025-06-30",
        "verdict": "DENY",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[118.7, 32.0], [118.71, 32.0], [118.7, 32.01], [118.7, 32.0]]],
        },
        "jurisdiction": {"divisions": DIVISIONS},
        "results": [],
    }
    html = render_report(screening, [])
    assert 'id="site">江苏省南京市玄武区、鼓楼区<' in html
    assert (
        "<td>面</td>" in html and "Polygon" not in html.split('id="site"')[1].split("</table>")[0]
    )
    assert "1000 m" in html and "1000.0 m" not in html
    assert 'title="DENY">不予准入' in html
