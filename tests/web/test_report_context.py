"""The report map's context layers come from the catalogue (``Collection.report_context``)."""

from __future__ import annotations

import re
from datetime import date

from fixture_layers import SITE_NEAR_YANGTZE
from shapely.geometry import mapping
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from layers.store.catalog import COLLECTIONS
from web.report import report_map


def _screening() -> dict:
    return {
        "name": "沿江化工",
        "geometry": mapping(SITE_NEAR_YANGTZE),
        "buffer_m": 500,
        "results": [],
    }


def test_report_map_draws_the_catalogue_context_layers_first(web_database_url):
    context = [c for c in COLLECTIONS if c.report_context is not None]
    assert [c.id for c in context] == ["water_bodies", "admin_divisions"]
    engine = create_engine(web_database_url)
    try:
        with Session(engine) as session:
            svg = report_map(session, _screening(), date(2024, 6, 1))
    finally:
        engine.dispose()
    assert svg is not None
    labels = re.findall(r'<g class="layer"[^>]*data-label="([^"]+)"', svg)
    assert labels[: len(context)] == [c.report_context.label for c in context]
    assert labels[len(context) :] == ["证据要素", "缓冲区", "项目"]
    # the fixture's 长江 polygon is drawn in the water style of the catalogue
    water = svg.split('data-label="水体"', 1)[1].split("</g>", 1)[0]
    assert 'fill="#cfe2f3"' in water
    assert 'stroke="#6fa8dc"' in water
