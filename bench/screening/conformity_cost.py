"""What the conformity block adds to a screening, in-process; and report.docx for 5 units.

    DB=postgresql://postgres@127.0.0.1:5432/ecozone_conformity_bench
    uv run python bench/screening/load_ecozone.py --dst $DB         # the kit's data, as steps.py
    DATABASE_URL=$DB uv run ecozone rules load
    DATABASE_URL=$DB uv run python bench/screening/conformity_cost.py --load   # ~10 clauses/unit
    DATABASE_URL=$DB uv run python bench/screening/conformity_cost.py [--n 300]

``--load`` writes every control unit in force a list of 10 clauses (3 空间布局约束, one of
them a ban with its condition, 3 污染物排放管控, 2 环境风险防控, 2 资源开发效率要求) plus a
Jiangsu and a 南京 list of 5 clauses each, and imports them (release ``bench-entry``).
The timing screens a new 化工 project at random points over the bench box (seed 7, as
``steps.py``), statements planned generically; the first 50 warm up. It prints the p50
and mean of the screening without the block (prepare, plan SQL, assemble, JSON) and of
the block (judging, JSON; its clause lookup runs inside the plan's statement, so its SQL
share shows only in ``conformity_ab.sh``'s A/B over HTTP), then renders ``report.docx`` (the route's work:
read the screening, its releases and map, build the document) for a polygon over 5 units.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import orjson
from shapely.geometry import mapping
from shapely.wkt import loads as wkt_loads
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from layers.ingest.entry_lists import EntryListOptions, import_entry_list
from layers.screening import conformity
from layers.screening.evaluate import assemble
from layers.screening.project import ProjectInput
from layers.screening.rulebook import RuleBook
from layers.screening.service import create_screening, prepare, resolve_rule_set
from layers.screening.storage import fetch_raw, get_screening, stored_body
from layers.store.db import DatabaseSettings
from web.report import report_inputs
from web.word_report import render_docx

WARMUP = 50
AS_OF = date(2025, 6, 30)
HEAD = ["单元编码", "行政区划代码", "管控层级", "管控维度", "条款序号", "管控要求", "禁止类行业"]
UNIT_CLAUSES = [
    ("空间布局约束", "禁止新建、扩建钢铁、水泥、平板玻璃项目。", "钢铁、水泥、平板玻璃"),
    ("空间布局约束", "新建化工项目须进入合规化工园区。", ""),
    ("空间布局约束", "严格控制沿江岸线开发强度。", ""),
    ("污染物排放管控", "实行重点污染物排放减量置换。", ""),
    ("污染物排放管控", "新建项目达到超低排放标准。", ""),
    ("污染物排放管控", "工业废水分类收集、分质处理。", ""),
    ("环境风险防控", "建立环境风险应急预案。", ""),
    ("环境风险防控", "定期开展环境隐患排查。", ""),
    ("资源开发效率要求", "提高水资源利用效率。", ""),
    ("资源开发效率要求", "推进清洁生产审核。", ""),
]


def load(session: Session) -> None:
    codes = session.scalars(
        text(
            "SELECT code FROM control_units WHERE release_id = (SELECT id FROM releases "
            "WHERE collection = 'control_units' ORDER BY valid_from DESC LIMIT 1)"
        )
    ).all()
    scopes = [("", "320000", "省级", UNIT_CLAUSES[:5]), ("", "320100", "市级", UNIT_CLAUSES[:5])]
    scopes += [(code, "", "单元", UNIT_CLAUSES) for code in codes]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-entry.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEAD)
            for code, adcode, level, clauses in scopes:
                numbers: dict[str, int] = {}
                for dimension, clause, banned in clauses:
                    numbers[dimension] = numbers.get(dimension, 0) + 1
                    writer.writerow(
                        [code, adcode, level, dimension, numbers[dimension], clause, banned]
                    )
        t0 = time.perf_counter()
        report = import_entry_list(
            session, path, EntryListOptions(release="bench-entry", valid_from=date(2020, 1, 1))
        )
        print(f"loaded {report.clauses} clauses in {time.perf_counter() - t0:.1f} s")


def timing(session: Session, n: int) -> None:
    book, rnd = RuleBook(), random.Random(7)
    rules = resolve_rule_set(session, book, AS_OF)
    base: list[float] = []
    block: list[float] = []
    clauses = 0
    for i in range(n):
        lon, lat = rnd.uniform(116.02, 122.48), rnd.uniform(30.72, 35.18)
        project = ProjectInput(
            name="bench",
            geometry={"type": "Point", "coordinates": [lon, lat]},
            industry="化工",
            kind="新建",
            as_of=AS_OF,
        )
        t0 = time.perf_counter()
        prepared = prepare(book, rules, project, AS_OF, None)
        rows = fetch_raw(session, prepared.sql, prepared.args)
        result = assemble(prepared, project, rows)
        orjson.dumps(stored_body(result.body))
        t1 = time.perf_counter()
        conformity.attach(result, prepared, rows)
        orjson.dumps(result.body["conformity"])
        t2 = time.perf_counter()
        if i >= WARMUP:
            base.append((t1 - t0) * 1000)
            block.append((t2 - t1) * 1000)
            clauses += sum(result.body["conformity"]["summary"].values())
    counted = n - WARMUP
    p50_base, p50_block = statistics.median(base), statistics.median(block)
    print(
        f"{counted} screenings, {clauses / counted:.1f} clauses judged each: without the block "
        f"p50 {p50_base:.2f} ms (mean {statistics.fmean(base):.2f}); the block p50 "
        f"{p50_block:.2f} ms (mean {statistics.fmean(block):.2f}): +{p50_block / p50_base:.1%}"
    )


def docx(session: Session) -> None:
    hull = session.scalar(
        text(
            "WITH one AS (SELECT geom FROM control_units ORDER BY id LIMIT 1 OFFSET 1000), "
            "near AS (SELECT c.geom FROM control_units c, one "
            "ORDER BY ST_Centroid(c.geom) <-> ST_Centroid(one.geom) LIMIT 5) "
            "SELECT ST_AsText(ST_ConvexHull(ST_Collect(ST_PointOnSurface(geom)))) FROM near"
        )
    )
    project = ProjectInput(
        name="跨5个单元的测试项目",
        geometry=mapping(wkt_loads(hull)),
        industry="化工",
        kind="新建",
        as_of=AS_OF,
    )
    book = RuleBook()
    stored = create_screening(session, project, book=book)
    units = len(stored["conformity"]["units"])
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        screening = get_screening(session, stored["id"], book)
        releases, svg = report_inputs(session, screening)
        size = len(render_docx(screening, releases, map_svg=svg))
        times.append(time.perf_counter() - t0)
    print(
        f"report.docx, project touching {units} units: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, {size / 1024:.0f} KB)"
    )
    session.rollback()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--load", action="store_true", help="load the bench entry lists first")
    args = ap.parse_args()
    url = DatabaseSettings(url=os.environ["DATABASE_URL"]).url
    with Session(create_engine(url)) as session:
        if args.load:
            load(session)
            return
        session.execute(text("SET plan_cache_mode = force_generic_plan"))
        timing(session, args.n)
        docx(session)


if __name__ == "__main__":
    main()
