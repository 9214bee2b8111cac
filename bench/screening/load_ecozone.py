"""Copy the bench-kit's Jiangsu-sized tables (database `bench`) into an ecozone database.

    uv run python bench/screening/load_ecozone.py --src postgresql://postgres@127.0.0.1:5432/bench \
        --dst postgresql://postgres@127.0.0.1:5432/ecozone_screening_bench

Creates the destination database if missing, migrates it to head, and loads one release
per collection (valid from 2020-01-01):
  control_units (50,000)  class → unit_class; access_list → spatial_constraints;
                          banned/restricted industries derived from the access-list text
  water_bodies  (1,989)   rivers; rank 1 → mainstem, rank 2 → important_tributary, else tributary
  outfalls      (20,000)
  sensitive_receptors (200,000 points, generated: a province's villages and facilities;
                          added to an already loaded destination too)
  shoreline_segments (5,000, generated: both banks of 1,250 of the kit's rivers, each cut
                          in two, offset ~130 m from the centre line, with function zones,
                          shore types and uses; added to an already loaded destination too)
"""

from __future__ import annotations

import argparse
import time

import psycopg
from sqlalchemy.engine import make_url

from layers.store import schema

BANNED = {  # access-list clause → banned industries (the kit writes these clauses)
    "禁止新建、扩建钢铁、水泥、平板玻璃": ["钢铁", "水泥", "平板玻璃"],
    "禁止新建、扩建排放污染物的工业项目": ["化工", "电镀", "焦化", "制革"],
}
RESTRICTED = {"新建化工项目须进入合规化工园区": ["化工"]}
#: The bench-kit's data box (lon/lat), as ST_MakeEnvelope arguments.
BOX = "116.0, 30.7, 122.5, 35.2"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


#: The bench's receptor points: how many, and the kinds (type, share, population range).
RECEPTORS = 200_000
RECEPTOR_KINDS = (
    ("村庄", 0.78, (100, 3000)),
    ("居民区", 0.08, (2000, 30000)),
    ("学校", 0.07, None),
    ("医院", 0.04, None),
    ("养老院", 0.02, None),
    ("文物保护单位", 0.007, None),
    ("饮用水取水口", 0.003, None),
)


def load_receptors(dst: str) -> None:
    """200,000 receptor points in the bench box (deterministic), unless already loaded.

    Villages cluster round 400 "towns" (normal, σ ≈ 8 km) like a province's settlements;
    facilities follow the same towns. One statement; the GiST index is built after.
    """
    with psycopg.connect(_libpq(dst)) as out:
        if out.execute(
            "SELECT 1 FROM releases WHERE collection = 'sensitive_receptors'"
        ).fetchone():
            return
        rel = out.execute(
            "INSERT INTO releases (collection, name, valid_from, source, licence, note, source_crs,"
            " synthetic, feature_count, import_report, coverage, coverage_source)"
            " VALUES ('sensitive_receptors', 'bench-kit', '2020-01-01',"
            " 'bench/screening/load_ecozone.py', '', 'synthetic benchmark data', 'EPSG:4326', true,"
            " %s, '{}', ST_Multi(ST_MakeEnvelope(" + BOX + ", 4326)), 'adcodes') RETURNING id",
            (RECEPTORS,),
        ).fetchone()[0]
        kinds = "".join(
            f" WHEN u < {sum(k[1] for k in RECEPTOR_KINDS[: i + 1]):.4f} THEN {i}"
            for i in range(len(RECEPTOR_KINDS))
        )
        names = ", ".join(f"'{k[0]}'" for k in RECEPTOR_KINDS)
        pops = ", ".join(
            f"{k[2][0] if k[2] else 'NULL'}::int, {k[2][1] if k[2] else 'NULL'}::int"
            for k in RECEPTOR_KINDS
        )
        out.execute("SELECT setseed(0.20260630)")
        out.execute(
            f"""
            CREATE TEMP TABLE towns AS
            SELECT n, 116.3 + random() * 6.0 AS x, 31.0 + random() * 4.0 AS y
            FROM generate_series(1, 400) n;
            INSERT INTO sensitive_receptors
                (release_id, code, name, type, population, synthetic, geom, area_m2)
            SELECT {rel}, 'BR' || lpad(g.i::text, 6, '0'), k.name || g.i, k.name,
                   CASE WHEN k.lo IS NOT NULL THEN k.lo + floor(random() * (k.hi - k.lo))::int END,
                   true,
                   ST_SetSRID(ST_MakePoint(
                       least(122.4, greatest(116.1, t.x + 0.085 * g.z1)),
                       least(35.1, greatest(30.8, t.y + 0.072 * g.z2))), 4326),
                   0
            FROM (
                SELECT i, town, z1, z2, CASE {kinds} END AS kind
                FROM (
                    SELECT i, 1 + floor(random() * 400)::int AS town, random() AS u,
                           sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
                           sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2
                    FROM generate_series(1, {RECEPTORS}) i
                ) r
            ) g
            JOIN towns t ON t.n = g.town
            JOIN (SELECT (ord - 1)::int AS kind, name,
                         (ARRAY[{pops}])[2 * ord - 1] AS lo, (ARRAY[{pops}])[2 * ord] AS hi
                  FROM unnest(ARRAY[{names}]) WITH ORDINALITY AS u(name, ord)) k
              ON k.kind = g.kind
            """
        )
        out.commit()
        out.autocommit = True
        out.execute("ANALYZE sensitive_receptors")
        print(f"receptors: {RECEPTORS} points in release {rel}")


#: The bench's shoreline segments: rivers × pieces per river × banks.
SHORE_RIVERS, SHORE_PIECES = 1_250, 2
SHORELINES = SHORE_RIVERS * SHORE_PIECES * 2


def load_shorelines(dst: str) -> None:
    """5,000 bank segments along the loaded rivers (deterministic), unless already loaded.

    Both banks (左岸 / 右岸, the centre line offset by ±0.0012°) of the first 1,250 rivers
    (mainstems first), each river cut in two; the attributes cycle through the catalogue's
    values so that every shoreline rule's filter finds some segments.
    """
    with psycopg.connect(_libpq(dst)) as out:
        if out.execute("SELECT 1 FROM releases WHERE collection = 'shoreline_segments'").fetchone():
            return
        rivers = out.execute(
            "SELECT id FROM releases WHERE collection = 'water_bodies' ORDER BY id LIMIT 1"
        ).fetchone()
        if rivers is None:
            raise SystemExit("load the rivers (water_bodies) first")
        rel = out.execute(
            "INSERT INTO releases (collection, name, valid_from, source, licence, note, source_crs,"
            " synthetic, feature_count, import_report, coverage, coverage_source)"
            " VALUES ('shoreline_segments', 'bench-kit', '2020-01-01',"
            " 'bench/screening/load_ecozone.py', '', 'synthetic benchmark data', 'EPSG:4326', true,"
            " %s, '{}', ST_Multi(ST_MakeEnvelope(" + BOX + ", 4326)), 'adcodes') RETURNING id",
            (SHORELINES,),
        ).fetchone()[0]
        out.execute(
            f"""
            INSERT INTO shoreline_segments
                (release_id, code, name, water_name, water_kind, yangtze_class, bank,
                 function_zone, shore_type, protection, use, reference_line, length_m,
                 admin_code, synthetic, geom)
            SELECT {rel}, 'BS' || lpad((row_number() OVER ())::text, 5, '0'),
                   coalesce(w.name, w.code) || side.bank || (piece + 1), coalesce(w.name, w.code),
                   '河流', w.yangtze_class, side.bank,
                   (ARRAY['岸线保护区', '岸线保留区', '岸线控制利用区', '岸线开发利用区'])
                       [1 + (w.id + piece + side.k) % 4],
                   (ARRAY['自然岸线', '生态岸线', '人工岸线'])[1 + (w.id + side.k) % 3],
                   (ARRAY['严格保护', '限制开发', '优化利用'])[1 + (w.id + piece) % 3],
                   (ARRAY['生态', '港口码头', '工业', '生活'])[1 + (w.id * 3 + piece) % 4],
                   '临水线', ST_Length(g.geom::geography), '320102', true, ST_Multi(g.geom)
            FROM (SELECT id, code, name, yangtze_class, ST_GeometryN(geom, 1) AS line
                  FROM water_bodies WHERE release_id = {rivers[0]}
                  ORDER BY rank, id LIMIT {SHORE_RIVERS}) w
            CROSS JOIN (VALUES (0, '左岸', 0.0012), (1, '右岸', -0.0012)) side(k, bank, off)
            CROSS JOIN generate_series(0, {SHORE_PIECES - 1}) piece
            CROSS JOIN LATERAL (
                SELECT ST_LineSubstring(w.line, piece::float8 / {SHORE_PIECES},
                                        (piece + 1)::float8 / {SHORE_PIECES}) AS centre
            ) c
            CROSS JOIN LATERAL (
                SELECT CASE WHEN ST_IsEmpty(o) OR ST_Dimension(o) <> 1 THEN c.centre ELSE o END
                       AS geom
                FROM (SELECT ST_OffsetCurve(c.centre, side.off) AS o) oc
            ) g
            """
        )
        out.commit()
        out.autocommit = True
        out.execute("ANALYZE shoreline_segments")
        print(f"shorelines: {SHORELINES} segments in release {rel}")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--src", default="postgresql://postgres@127.0.0.1:5432/bench")
    ap.add_argument("--dst", default="postgresql://postgres@127.0.0.1:5432/ecozone_screening_bench")
    a = ap.parse_args()
    t0 = time.time()
    dst = make_url(a.dst)
    with psycopg.connect(_libpq(str(dst.set(database="postgres"))), autocommit=True) as c:
        if not c.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (dst.database,)
        ).fetchone():
            c.execute(f'CREATE DATABASE "{dst.database}"')
    with psycopg.connect(_libpq(a.dst), autocommit=True) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    schema.upgrade(a.dst.replace("postgresql://", "postgresql+psycopg://"))
    load_receptors(a.dst)
    with psycopg.connect(_libpq(a.src)) as src, psycopg.connect(_libpq(a.dst)) as out:
        if out.execute(
            "SELECT count(*) FROM releases WHERE collection <> 'sensitive_receptors'"
        ).fetchone()[0]:
            print("destination already loaded")
            load_shorelines(a.dst)
            return
        rel = {}
        for coll, n_src in (
            ("control_units", "control_units"),
            ("water_bodies", "rivers"),
            ("outfalls", "outfalls"),
        ):
            n = src.execute(f"SELECT count(*) FROM {n_src}").fetchone()[0]
            rel[coll] = out.execute(
                "INSERT INTO releases (collection, name, valid_from, source, licence, note, source_crs,"
                " synthetic, feature_count, import_report) VALUES (%s, 'bench-kit', '2020-01-01',"
                " 'shared/bench-kit/load_data.py', '', 'synthetic benchmark data', 'EPSG:4326', true, %s, '{}')"
                " RETURNING id",
                (coll, n),
            ).fetchone()[0]

        def banned(text: str, table: dict[str, list[str]]) -> list[str] | None:
            found = sorted({i for k, v in table.items() if k in text for i in v})
            return found or None

        with (
            src.cursor(name="cu") as cur,
            out.cursor().copy(
                "COPY control_units (release_id, code, name, unit_class, spatial_constraints,"
                " banned_industries, restricted_industries, synthetic, geom) FROM STDIN"
            ) as cp,
        ):
            cur.execute(
                "SELECT code, name, class, access_list, ST_AsHEXEWKB(geom) FROM control_units ORDER BY id"
            )
            for code, name, cls, access, wkb in cur:
                cp.write_row(
                    (
                        rel["control_units"],
                        code,
                        name,
                        cls + "单元",
                        access,
                        banned(access, BANNED),
                        banned(access, RESTRICTED),
                        True,
                        wkb,
                    )
                )
        with (
            src.cursor(name="rv") as cur,
            out.cursor().copy(
                "COPY water_bodies (release_id, code, name, kind, yangtze_class, rank, synthetic, geom) FROM STDIN"
            ) as cp,
        ):
            cur.execute("SELECT id, name, rank, ST_AsHEXEWKB(geom) FROM rivers ORDER BY id")
            for rid, name, rank, wkb in cur:
                cls = (
                    "mainstem" if rank == 1 else "important_tributary" if rank == 2 else "tributary"
                )
                cp.write_row((rel["water_bodies"], f"R{rid}", name, "river", cls, rank, True, wkb))
        with (
            src.cursor(name="of") as cur,
            out.cursor().copy(
                "COPY outfalls (release_id, code, name, type, synthetic, geom) FROM STDIN"
            ) as cp,
        ):
            cur.execute("SELECT code, name, kind, ST_AsHEXEWKB(geom) FROM outfalls ORDER BY id")
            for code, name, kind, wkb in cur:
                cp.write_row((rel["outfalls"], code, name, kind, True, wkb))
        # the project's jurisdiction: the bench box as Jiangsu, 南京 and 玄武区 (so every
        # Jiangsu and Yangtze-basin rule applies), and every release covering the box
        admin = out.execute(
            "INSERT INTO releases (collection, name, valid_from, source, licence, note, source_crs,"
            " synthetic, feature_count, import_report) VALUES ('admin_divisions', 'bench-kit',"
            " '2020-01-01', 'bench box', '', 'synthetic benchmark data', 'EPSG:4326', true, 3,"
            " '{}') RETURNING id"
        ).fetchone()[0]
        for adcode, name, level in (
            ("320000", "江苏省", "province"),
            ("320100", "南京市", "city"),
            ("320102", "玄武区", "county"),
        ):
            out.execute(
                "INSERT INTO admin_divisions (release_id, adcode, name, level, synthetic, geom)"
                " VALUES (%s, %s, %s, %s, true, ST_Multi(ST_MakeEnvelope(" + BOX + ", 4326)))",
                (admin, adcode, name, level),
            )
        out.execute(
            "UPDATE releases SET coverage = ST_Multi(ST_MakeEnvelope(" + BOX + ", 4326)),"
            " coverage_source = 'adcodes', coverage_adcodes = '{32}'"
        )
        out.commit()
        out.autocommit = True
        for t in ("control_units", "water_bodies", "outfalls", "admin_divisions", "releases"):
            out.execute(f"ANALYZE {t}")
    load_shorelines(a.dst)
    print(f"loaded in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
