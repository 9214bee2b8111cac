"""THROWAWAY STUB of the screening API (issue 4), for the web tests only.

It follows the contract of ``POST /screenings``, ``GET /screenings/{id}`` and
``GET /screenings`` closely enough to drive the map and the report, with four toy rules
and an in-memory store. It is never imported by ``api/`` or ``web/``: at merge the
browser test switches to the real endpoint and the report route to ``layers.screening``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.releases import release_as_of

STORE: dict[str, dict[str, Any]] = {}
ORDER = {"PASS": 0, "FLAG": 1, "REQUIRE": 2, "DENY": 3}
CHEMICAL = {"化工", "石化", "医药"}

router = APIRouter(tags=["throwaway-screening-stub"])


def read_screening(session: Session, screening_id: str) -> dict[str, Any] | None:
    """The report pages' reader, wired to this stub's store."""
    return STORE.get(screening_id)


def _hits(
    session: Session,
    collection: str,
    release_id: int,
    geometry: str,
    within_m: float,
    where: str = "",
) -> list[dict[str, Any]]:
    sql = text(
        f"""
        WITH p AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326) AS g)
        SELECT t.id, t.name, t.release_id,
               ST_Distance(t.geom::geography, p.g::geography) AS distance_m,
               CASE WHEN ST_Dimension(p.g) = 2 AND ST_Dimension(t.geom) = 2
                    THEN ST_Area(ST_Intersection(t.geom, p.g)::geography) ELSE 0 END AS overlap_m2,
               CASE WHEN ST_Dimension(p.g) = 2 AND ST_Dimension(t.geom) = 2
                    THEN ST_Area(ST_Intersection(t.geom, p.g)::geography)
                         / NULLIF(ST_Area(p.g::geography), 0) ELSE NULL END AS overlap_ratio
          FROM {collection} t, p
         WHERE t.release_id = :rid
           AND ST_DWithin(t.geom::geography, p.g::geography, :within) {where}
         ORDER BY distance_m
        """
    )
    rows = session.execute(sql, {"g": geometry, "rid": release_id, "within": within_m})
    return [
        {
            "collection": collection,
            "feature_id": r.id,
            "name": r.name,
            "release_id": r.release_id,
            "distance_m": round(float(r.distance_m), 1),
            "overlap_m2": round(float(r.overlap_m2 or 0), 1),
            "overlap_ratio": None if r.overlap_ratio is None else round(float(r.overlap_ratio), 4),
        }
        for r in rows
    ]


def screen(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """Run the toy rules and return a screening in the contract's shape."""
    as_of = date.fromisoformat(body.get("as_of") or date.today().isoformat())
    geometry = json.dumps(body["geometry"])
    buffer_m = float(body.get("buffer_m") or 0)
    industry = body.get("industry") or ""
    kind = body.get("kind") or "新建"
    layers, results = [], []

    def release(collection: str) -> int | None:
        r = release_as_of(session, collection, as_of)
        if r is not None:
            layers.append({"collection": collection, "release_id": r.id, "release": r.name})
        return r.id if r is not None else None

    rid = release("water_bodies")
    if rid and industry in CHEMICAL and kind in ("新建", "扩建"):
        ev = _hits(
            session,
            "water_bodies",
            rid,
            geometry,
            1000,
            "AND t.yangtze_class IN ('mainstem', 'important_tributary')",
        )
        results.append(
            {
                "rule_id": "yangtze-1km-chemical",
                "title": "长江干支流岸线一公里范围内禁止新建、扩建化工项目",
                "outcome": "DENY" if ev else "PASS",
                "citation": {
                    "document": "中华人民共和国长江保护法",
                    "article": "第二十六条",
                    "text": "禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目。",
                },
                "measures": [],
                "evidence": ev,
            }
        )
    rid = release("red_lines")
    if rid:
        ev = _hits(session, "red_lines", rid, geometry, buffer_m)
        inside = [e for e in ev if e["distance_m"] == 0]
        results.append(
            {
                "rule_id": "red-line",
                "title": "生态保护红线内原则上禁止开发性、生产性建设活动",
                "outcome": "DENY" if inside else ("FLAG" if ev else "PASS"),
                "citation": {
                    "document": "关于在国土空间规划中统筹划定落实三条控制线的指导意见",
                    "article": "（二）",
                    "text": "生态保护红线内，自然保护地核心保护区原则上禁止人为活动。",
                },
                "measures": [],
                "evidence": ev,
            }
        )
    rid = release("drinking_water_zones")
    if rid:
        ev = _hits(session, "drinking_water_zones", rid, geometry, buffer_m)
        results.append(
            {
                "rule_id": "drinking-water",
                "title": "饮用水水源保护区内禁止设置排污口和建设与供水无关的项目",
                "outcome": "DENY"
                if any(e["distance_m"] == 0 for e in ev)
                else ("FLAG" if ev else "PASS"),
                "citation": {
                    "document": "中华人民共和国水污染防治法",
                    "article": "第六十五条",
                    "text": "禁止在饮用水水源一级保护区内新建、改建、扩建与供水设施和保护水源无关的建设项目。",
                },
                "measures": [],
                "evidence": ev,
            }
        )
    rid = release("control_units")
    if rid:
        ev = _hits(session, "control_units", rid, geometry, 0)
        results.append(
            {
                "rule_id": "control-unit-entry-list",
                "title": "环境管控单元生态环境准入清单",
                "outcome": "REQUIRE" if ev else "PASS",
                "citation": {
                    "document": "江苏省“三线一单”生态环境分区管控方案",
                    "article": "准入清单",
                    "text": "按所在环境管控单元的准入清单落实空间布局约束、污染物排放管控、环境风险防控和资源开发效率要求。",
                },
                "measures": ["落实所在管控单元的准入清单要求"],
                "evidence": ev,
            }
        )
    release("admin_divisions")
    verdict = max((r["outcome"] for r in results), key=ORDER.__getitem__, default="PASS")
    return {
        "id": uuid.uuid4().hex[:12],
        "created_at": datetime.now(UTC).isoformat(),
        "as_of": as_of.isoformat(),
        "name": body.get("name") or "项目",
        "geometry": body["geometry"],
        "industry": industry,
        "industry_code": body.get("industry_code"),
        "kind": kind,
        "buffer_m": buffer_m,
        "verdict": verdict,
        "results": results,
        "layers": layers,
        "hits": [e for r in results for e in r["evidence"]],
        "warnings": ["THROWAWAY STUB: toy rules for the web tests, not the rule engine."],
    }


@router.post("/screenings", status_code=201)
async def create_screening(request: Request) -> JSONResponse:
    body = await request.json()
    if not isinstance(body.get("geometry"), dict):
        return JSONResponse(
            {
                "type": "/problems/invalid-geometry",
                "title": "Unprocessable input",
                "status": 422,
                "detail": "geometry is required",
            },
            status_code=422,
            media_type="application/problem+json",
        )
    with request.app.state.sessionmaker() as session:
        screening = screen(session, body)
    STORE[screening["id"]] = screening
    return JSONResponse(screening, status_code=201)


@router.get("/screenings")
def list_screenings(limit: int = 20, offset: int = 0) -> JSONResponse:
    items = sorted(STORE.values(), key=lambda s: s["created_at"], reverse=True)
    return JSONResponse({"screenings": items[offset : offset + limit]})


@router.get("/screenings/{screening_id}")
def get_screening(screening_id: str) -> JSONResponse:
    if screening_id not in STORE:
        return JSONResponse({"status": 404, "title": "Not found"}, status_code=404)
    return JSONResponse(STORE[screening_id])
