"""The screening commands: ``screen``, ``screen-batch`` and the ``rules`` group."""

from __future__ import annotations

import contextlib
import csv
import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import shapely
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text
from shapely.geometry import mapping

from api.cli.context import console, err, fail, iso_date, session_scope
from api.memory import serving_collector
from gis.civil_time import today
from gis.errors import GisError
from layers.screening.project import ProjectInput, project_industry
from layers.screening.rulebook import RuleBook
from layers.screening.rules import KINDS, LoadedRuleSet, verdict_text
from layers.screening.rulesets import DEFAULT_RULES_DIR, load_rule_set
from layers.screening.service import create_screening, resolve_rule_set, screen
from layers.store.catalog import COLLECTIONS
from layers.store.db import DatabaseSettings, make_engine, make_sessionmaker

if TYPE_CHECKING:
    from web.project_file import ProjectSite

#: The statuses of an attainment figure that make a rule on the area's quality fire.
_EXCEEDED = ("超标", "未达标")
#: The progress bar of the commands that screen many projects.
_BAR = (TextColumn("[bold]screening"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
_OUTCOME_STYLE = {
    "DENY": "bold red",
    "REQUIRE": "magenta",
    "FLAG": "yellow",
    "NOT_CHECKED": "dark_orange",
    "INCOMPLETE": "dark_orange",
    "PASS": "green",
}


def rules_cli() -> typer.Typer:
    """The ``rules`` group: validate and store the rule sets of ``rules/``."""
    rules = typer.Typer(help="Screening rule sets (the YAML in rules/).", no_args_is_help=True)
    rules.command("load")(rules_load)
    return rules


def rules_load(
    directory: Annotated[Path, typer.Option("--dir", help="folder of rule YAML files")] = (
        DEFAULT_RULES_DIR
    ),
    valid_from: Annotated[
        date | None,
        typer.Option(parser=iso_date, help="date the rule set takes effect (default: the file's)"),
    ] = None,
) -> None:
    """Validate the rule files and store them as a new rule-set version (idempotent)."""
    with session_scope() as session:
        try:
            result = load_rule_set(session, directory, valid_from)
        except GisError as exc:
            raise fail(exc) from None
    state = "loaded" if result.created else "already loaded (same content)"
    console.print(
        f"rule set {result.rule_set_id} version {result.version} valid from "
        f"{result.valid_from}: {result.rules} rules, {state} [dim]{result.source_hash[:12]}[/]"
    )


def _evidence_text(e: dict[str, Any]) -> str:
    """One evidence item in a line: a feature, an attainment figure or a raster statistic."""
    if "collection" in e:
        overlap = f", {e['overlap_m2']:.0f} m²" if e.get("overlap_m2") else ""
        return f"{e['collection']}#{e['feature_id']} {e['name'] or ''} {e['distance_m']:.0f} m{overlap}"
    if e.get("medium") == "air":
        value = "no value" if e.get("value") is None else f"{e['value']:g}"
        return f"{e['parameter']} {e['year']} {value} / {e['limit']:g} {e['unit']} {e['status']}"
    if "medium" in e:
        return f"{e['year']} sections {e['target_met']}/{e['with_target']} on target"
    threshold = e.get("threshold") or {}
    value = "no value" if e.get("value") is None else f"{e['value']:g}"
    return f"{e.get('layer')} {e.get('stat')} {value} ({threshold.get('op', '')} {threshold.get('value', '')})"


def _print_result(result: dict[str, Any]) -> None:
    """A screening as a line and a table of the rules that found something.

    Plain text: titles, names and warnings are never read as rich markup.
    """
    verdict = result["verdict"]
    head = Text.assemble(
        "screening ",
        (str(result.get("id", "-")), "bold"),
        f" {result['project']['name']}: ",
        (verdict, _OUTCOME_STYLE.get(verdict, "")),
        f" (as of {result['as_of']}, rule set {result['rule_set']['version']})",
    )
    console.print(head)
    table = Table()
    for column in ("rule", "outcome", "title", "evidence"):
        table.add_column(column)
    for r in result["results"]:
        if r["outcome"] == "NOT_APPLICABLE" or (r["outcome"] == "PASS" and not r["evidence"]):
            continue
        # what made the rule fire first: an exceeded limit before the attained ones
        items = sorted(r["evidence"], key=lambda e: e.get("status") not in _EXCEEDED)
        evidence = "; ".join(_evidence_text(e) for e in items[:3])
        if len(items) > 3:
            evidence += f" (+{len(items) - 3} more)"
        outcome = Text(r["outcome"], style=_OUTCOME_STYLE.get(r["outcome"], ""))
        table.add_row(Text(r["rule_id"]), outcome, Text(r["title"]), Text(evidence))
    console.print(table)
    for warning in result["warnings"]:
        err.print(Text.assemble(("warning:", "yellow"), f" {warning}"))
    if "id" in result:
        console.print(
            f"report: /screenings/{result['id']}/report (.pdf, .docx); "
            f"re-check: ecozone recheck {result['id']}"
        )


def screen_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="project footprint: .geojson, .gpkg, .shp/.zip, .kml/.kmz, .dxf, 拐点坐标 .txt, "
            "or a 拐点坐标表 .xlsx/.csv"
        ),
    ],
    industry: Annotated[
        str | None,
        typer.Option(help="industry category, e.g. 化工 (or --industry-code alone)"),
    ] = None,
    kind: Annotated[str, typer.Option(help=f"one of {', '.join(KINDS)}")] = KINDS[0],
    industry_code: Annotated[str | None, typer.Option(help="GB/T 4754 code, e.g. C26")] = None,
    name: Annotated[str | None, typer.Option(help="project name (default: file name)")] = None,
    crs: Annotated[
        str | None,
        typer.Option(help="CRS of the file's coordinates, e.g. EPSG:4528, or GCJ-02 / BD-09"),
    ] = None,
    as_of: Annotated[
        date | None, typer.Option(parser=iso_date, help="date of rules and layers (default today)")
    ] = None,
    buffer_m: Annotated[float, typer.Option(help="hit-list buffer in metres")] = 500.0,
    tag: Annotated[list[str] | None, typer.Option(help="project tag (repeatable)")] = None,
    in_park: Annotated[
        bool | None,
        typer.Option(
            "--in-park/--not-in-park", help="in an industrial park (default: from the parks layer)"
        ),
    ] = None,
    emission: Annotated[
        list[str] | None,
        typer.Option(help="annual emission in t/a, e.g. VOCs=12.5 (repeatable)"),
    ] = None,
    capacity: Annotated[float | None, typer.Option(help="production capacity")] = None,
    capacity_unit: Annotated[str | None, typer.Option(help="its unit, e.g. 万吨/年")] = None,
    energy_tce: Annotated[float | None, typer.Option(help="energy use, t standard coal/a")] = None,
    water_m3d: Annotated[float | None, typer.Option(help="water use, m³/d")] = None,
    outfall: Annotated[
        str | None, typer.Option(help="the outfall (排污口) as X,Y in the file's CRS")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the full JSON result")] = False,
) -> None:
    """Screen the project in FILE (all its features as one footprint) and store the result.

    The facts rules ask about are options, as in ``POST /screenings``: ``--in-park``,
    ``--emission VOCs=12.5`` (repeatable), ``--capacity`` with ``--capacity-unit``,
    ``--energy-tce``, ``--water-m3d`` and ``--outfall X,Y``; a rule whose fact is not
    given is 未核查 (NOT_CHECKED).
    """
    if kind not in KINDS:
        raise typer.BadParameter(f"--kind must be one of {', '.join(KINDS)}")
    emissions = _pairs(emission or [], "--emission")
    from layers.ingest.files import read_source  # geopandas: only here
    from web.project_file import project_site

    try:
        # as the map reads an upload: a drawing's site, a 拐点坐标表's polygon, the zone
        site = project_site(read_source(file), crs=crs)
        for note in site.notes:
            err.print(Text(note, style="dim"))
        project = ProjectInput(
            name=name or file.stem,
            geometry=site.geometry,
            industry=project_industry(industry, industry_code),
            industry_code=industry_code,
            kind=kind,
            as_of=as_of,
            buffer_m=buffer_m,
            tags=tuple(tag or ()),
            in_park=in_park,
            emissions=emissions or None,
            capacity=None if capacity is None else {"value": capacity, "unit": capacity_unit or ""},
            energy_tce=energy_tce,
            water_m3d=water_m3d,
            outfall=None if outfall is None else _outfall(outfall, site),
            report_crs=site.report_crs,
        )
        with session_scope() as session:
            result = create_screening(session, project, book=RuleBook())
    except GisError as exc:
        raise fail(exc) from None
    if json_out:
        console.print_json(json.dumps(result, ensure_ascii=False, default=str))
    else:
        _print_result(result)


def recheck_command(
    ids: Annotated[
        list[int] | None, typer.Argument(help="screening ids (default: every stored screening)")
    ] = None,
    since: Annotated[
        date | None, typer.Option(parser=iso_date, help="only screenings created on or after")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print every re-check as JSON")] = False,
) -> None:
    """Re-run stored screenings as of their dates with their rule sets (复核); nothing is stored.

    Lists each screening whose answer changed (a release retired or back-dated, a feature
    edited in place, a new version of the code) and exits with code 1 when any did.
    """
    from layers.screening.recheck import recheck, stored_ids

    reports: list[dict[str, Any]] = []
    errors: dict[int, str] = {}
    with session_scope() as session:
        todo = ids or stored_ids(session, since)
        book = RuleBook()
        with Progress(*_BAR, TimeRemainingColumn(), console=err) as bar:
            task = bar.add_task("re-checking", total=len(todo))
            for screening_id in todo:
                try:
                    reports.append(recheck(session, screening_id, book))
                except GisError as exc:
                    session.rollback()
                    errors[screening_id] = exc.detail
                bar.advance(task)
    changed = [r for r in reports if not r["identical"]]
    if json_out:
        console.print_json(json.dumps(reports, ensure_ascii=False, default=str))
    if changed or errors:
        table = Table("screening", "as of", "verdict", "outcomes changed", "also changed")
        for r in changed:
            verdict = r["verdict"]
            outcomes = [
                f"{d['rule_id']} {d['stored']} → {d['rechecked']}"
                for d in r["differences"]
                if d.get("field") == "outcome"
            ]
            parts = dict.fromkeys(d["part"] for d in r["differences"])
            table.add_row(
                str(r["screening_id"]),
                r["as_of"],
                f"{verdict['stored']} → {verdict['rechecked']}",
                Text("\n".join(outcomes)),
                Text(", ".join(parts)),
            )
        for screening_id, detail in errors.items():
            table.add_row(str(screening_id), "", "ERROR", "", Text(detail))
        console.print(table)
    console.print(
        f"{len(todo)} screenings re-checked: {len(reports) - len(changed)} identical, "
        f"{len(changed)} changed, {len(errors)} could not be screened"
    )
    if changed or errors:
        raise typer.Exit(1)


def _pairs(items: list[str], option: str) -> dict[str, float]:
    """``KEY=NUMBER`` options as a dict; a malformed one is a usage error naming the option."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            if not sep or not key.strip():
                raise ValueError
            out[key.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(
                f"{option} {item!r}: give KEY=NUMBER, e.g. VOCs=12.5"
            ) from None
    return out


def _outfall(text: str, site: ProjectSite) -> dict[str, Any]:
    """``--outfall X,Y`` in the project file's CRS, as lon/lat GeoJSON.

    Raises:
        GisError: it does not lie in China (field ``outfall``).
    """
    x, y = _point(text, "--outfall")["coordinates"]
    lon, lat = site.lonlat(
        x,
        y,
        field="outfall",
        detail=f"--outfall {x},{y} in {site.crs} is not in China: give X,Y in the file's CRS.",
    )
    return {"type": "Point", "coordinates": [lon, lat]}


def _point(text: str, option: str) -> dict[str, Any]:
    """``X,Y`` as a GeoJSON point; a malformed one is a usage error naming the option."""
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise typer.BadParameter(f"{option} {text!r}: give X,Y, e.g. 120.27,31.93") from None
    return {"type": "Point", "coordinates": [x, y]}


#: The Chinese headers a reviewer's sheet gives the sites' columns (the English names work too).
SITE_COLUMN_ALIASES = {
    "名称": "name",
    "项目名称": "name",
    "行业": "industry",
    "行业类别": "industry",
    "行业代码": "industry_code",
    "国民经济行业代码": "industry_code",
    "建设性质": "kind",
    "标签": "tags",
    "项目标签": "tags",
    "是否入园": "in_park",
    "能耗": "energy_tce",
    "综合能耗": "energy_tce",
    "用水量": "water_m3d",
}
#: The output's columns (the CSV's header) and, for an .xlsx, the Chinese header of each.
OUTPUT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("site", "序号"),
    ("name", "项目名称"),
    ("industry", "行业"),
    ("kind", "建设性质"),
    ("verdict", "筛查结论"),
    ("deny", "不予准入的规则"),
    ("require", "须审批或论证的规则"),
    ("flag", "须关注的规则"),
    ("error", "错误"),
    ("not_checked", "未核查（缺图层或项目信息）"),
    *((f"nearest_{c.id}_m", f"最近{c.title}距离（m）") for c in COLLECTIONS),
)


def _site_record(record: dict[str, Any]) -> dict[str, Any]:
    """A sites row with its Chinese headers read as the English column names."""
    out = dict(record)
    for header, key in SITE_COLUMN_ALIASES.items():
        if header in record and key not in record:
            out[key] = record[header]
    return out


def _write_rows(out: Path, rows: list[list[Any]]) -> None:
    """The output: an Excel sheet with Chinese headers for ``.xlsx``, else UTF-8 CSV."""
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook  # only for an Excel output

        book = Workbook()
        sheet = book.create_sheet("筛查结果", 0)
        book.remove(book.worksheets[1])  # the new workbook's empty default sheet
        sheet.append([label for _key, label in OUTPUT_COLUMNS])
        verdict = [key for key, _label in OUTPUT_COLUMNS].index("verdict")
        for row in rows:  # the verdict in words too (the CSV keeps the code for machines)
            sheet.append([*row[:verdict], verdict_text(row[verdict]), *row[verdict + 1 :]])
        sheet.freeze_panes = "A2"
        book.save(out)
        return
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([key for key, _label in OUTPUT_COLUMNS])
        writer.writerows(rows)


def _site_value(record: dict[str, Any], key: str, default: Any) -> Any:
    value = record.get(key)
    return default if value is None or (isinstance(value, float) and value != value) else value


def _site_projects(
    records: list[dict[str, Any]],
    geoms: list[Any],
    industry: str | None,
    kind: str,
    when: date,
    buffer_m: float,
) -> list[ProjectInput]:
    projects = []
    for i, (row, geom) in enumerate(zip(records, geoms, strict=True)):
        record = _site_record(row)
        code = _site_value(record, "industry_code", None)
        given = _site_value(record, "industry", industry)
        try:  # a site known by its GB/T 4754 code alone is 其他, matched by the code
            category = project_industry(str(given) if given else None, code and str(code))
        except GisError:
            category = ""  # neither: its row says what is missing (_batch_site)
        projects.append(
            ProjectInput(
                name=str(_site_value(record, "name", f"site {i + 1}")),
                # a feature without geometry (NULL in a GeoPackage) is screened as an empty
                # point, so its row reports "geometry is empty" instead of ending the batch
                geometry=mapping(geom if geom is not None else shapely.Point()),
                industry=category,
                industry_code=str(code) if code is not None else None,
                kind=str(_site_value(record, "kind", kind)),
                as_of=when,
                buffer_m=buffer_m,
                **_site_facts(record),
            )
        )
    return projects


def _number(value: Any) -> Any:
    """A cell as a number when it reads as one (else as given: the engine refuses it)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _site_facts(record: dict[str, Any]) -> dict[str, Any]:
    """The project facts of a sites row, from its optional columns.

    ``tags`` (separated by ; 、 or ,), ``in_park`` (是/否, true/false, 1/0), ``energy_tce``,
    ``water_m3d``, ``capacity`` with ``capacity_unit``, and ``emissions_<pollutant>`` (t/a,
    e.g. ``emissions_VOCs``).
    """
    facts: dict[str, Any] = {}
    tags = _site_value(record, "tags", None)
    if tags is not None:
        parts = str(tags).replace("、", ";").replace(",", ";").split(";")
        facts["tags"] = tuple(t.strip() for t in parts if t.strip())
    park = _site_value(record, "in_park", None)
    if park is not None:
        text = str(park).strip().lower()
        facts["in_park"] = text in ("是", "true", "1", "1.0", "yes", "y")
    for key in ("energy_tce", "water_m3d"):
        value = _site_value(record, key, None)
        if value is not None:
            facts[key] = _number(value)
    capacity = _site_value(record, "capacity", None)
    if capacity is not None:
        facts["capacity"] = {
            "value": _number(capacity),
            "unit": str(_site_value(record, "capacity_unit", "")),
        }
    emissions = {
        key.removeprefix("emissions_"): _number(value)
        for key in record
        if key.startswith("emissions_") and (value := _site_value(record, key, None)) is not None
    }
    if emissions:
        facts["emissions"] = emissions
    return facts


def _site_row(i: int, project: ProjectInput, body: dict[str, Any] | None, error: str) -> list[Any]:
    row: list[Any] = [i + 1, project.name, project.industry, project.kind]
    if body is None:
        return [*row, "ERROR", "", "", "", error, ""] + [""] * len(COLLECTIONS)
    by_outcome: dict[str, list[str]] = {"DENY": [], "REQUIRE": [], "FLAG": []}
    for r in body["results"]:
        if r["outcome"] in by_outcome:
            by_outcome[r["outcome"]].append(r["rule_id"])
    nearest: dict[str, float] = {}
    for hit in body["hits"]:
        nearest.setdefault(hit["collection"], hit["distance_m"])
    return [
        *row,
        body["verdict"],
        " ".join(by_outcome["DENY"]),
        " ".join(by_outcome["REQUIRE"]),
        " ".join(by_outcome["FLAG"]),
        "",
        " ".join(
            [n["collection"] for n in body["completeness"]["not_checked"]]
            + body["completeness"]["missing_facts"]
        ),
        *(nearest.get(c.id, "") for c in COLLECTIONS),
    ]


#: What a ``screen-batch`` worker process screens with (:func:`_batch_start` sets it).
_batch: dict[str, Any] = {}


def _batch_start(projects: list[ProjectInput], rules: LoadedRuleSet, book: RuleBook) -> None:
    """In a new worker process: its own connection, and the batch's sites and rule book.

    The book holds the rule set's plan, built once before the workers fork. The plan's
    one statement is planned once per connection (generic plans), not once per site.
    The session is never committed: nothing is stored by a batch.
    """
    engine = make_engine(DatabaseSettings(), generic_plans=True)
    _batch.update(session=make_sessionmaker(engine)(), book=book, rules=rules, projects=projects)


def _batch_site(i: int) -> list[Any]:
    """The output row of site ``i``, screened in a worker process."""
    session, project = _batch["session"], _batch["projects"][i]
    try:
        if not project.industry:  # neither industry nor code: the reason, as the API's
            project_industry(None, project.industry_code)
        # the row has no 环境保护目标 table: their lookups are left out
        body = screen(
            session, project, book=_batch["book"], rule_set=_batch["rules"], targets=False
        ).body
        return _site_row(i, project, body, "")
    except GisError as exc:
        session.rollback()
        return _site_row(i, project, None, exc.detail)


def screen_batch_command(
    sites: Annotated[
        Path,
        typer.Argument(
            help="sites: .csv or .xlsx with lon/lat (经度/纬度) or CGCS2000 X/Y columns, or .gpkg"
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="output, one row per site: .csv, or .xlsx (Chinese headers)")
    ],
    industry: Annotated[
        str | None, typer.Option(help="industry for sites without an `industry` column")
    ] = None,
    kind: Annotated[str, typer.Option(help="kind for sites without a `kind` column")] = KINDS[0],
    crs: Annotated[
        str | None,
        typer.Option(
            help="CRS of the coordinates when the file has none (EPSG:4527, GCJ-02, BD-09); "
            "without it degrees are lon/lat and X/Y CGCS2000 (zone from Y's zone number)"
        ),
    ] = None,
    as_of: Annotated[
        date | None, typer.Option(parser=iso_date, help="date of rules and layers")
    ] = None,
    buffer_m: Annotated[float, typer.Option(help="buffer for the nearest distances")] = 500.0,
    layer: Annotated[
        str | None, typer.Option(help="layer of a GeoPackage, or sheet of a workbook")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=32, help="worker processes, one DB connection each [default: one per CPU]"
        ),
    ] = None,
) -> None:
    """Screen every site of SITES (columns name/industry/industry_code/kind optional); nothing is stored.

    Chinese headers are read too: 项目名称, 行业, 行业代码, 建设性质, 标签, 是否入园 ….

    Optional fact columns: tags (; separated), in_park, energy_tce, water_m3d, capacity +
    capacity_unit, emissions_<VOCs|SO2|NOx|PM|COD|NH3N|TP|heavy_metals> (t/a).

    Writes one row per site, in input order: verdict, triggered rules by outcome, and the
    nearest feature distance per collection within the buffer (empty beyond).
    """
    from layers.ingest.files import read_source  # geopandas: only here
    from web.project_file import as_surveyed, in_lonlat

    started = time.perf_counter()
    try:
        source = read_source(sites, layer=layer)
    except GisError as exc:
        raise fail(exc) from None
    source = as_surveyed(source)
    frame = source.frame
    try:
        # read as the map reads a file (a CGCS2000 table's zone from its eastings, X the
        # northing where surveyors wrote it so, GCJ-02 / BD-09), reprojected at once; a
        # site outside China is that site's error row, most of them the CRS's error
        read = in_lonlat(
            np.asarray(frame.geometry.values, dtype=object), source.crs, crs, min_inside=0.5
        )
    except GisError as exc:
        raise fail(exc) from None
    for note in [*source.notes, *read.notes]:
        err.print(Text(note, style="dim"))
    when = as_of or today()
    projects = _site_projects(
        frame.drop(columns=frame.geometry.name).to_dict("records"),
        list(read.geoms),
        industry,
        kind,
        when,
        buffer_m,
    )
    engine = make_engine(DatabaseSettings())
    book = RuleBook()
    with make_sessionmaker(engine)() as session:
        try:
            rules = resolve_rule_set(session, book, when)
        except GisError as exc:
            raise fail(exc) from None
        session.commit()  # a fresh DB keeps the repository rule set it just loaded
    engine.dispose()  # no connection crosses the fork
    book.plan(rules)  # built here once, not in every worker
    # one per CPU: the database's backends need the rest (more were slower here)
    workers = workers or min(32, len(os.sched_getaffinity(0)))
    rows: list[list[Any]] = []
    # processes, not threads: a site's Python (plan parameters, the rules' evaluation)
    # would otherwise hold one GIL for every connection; forked, so the sites and the
    # rule set are shared, not pickled
    with contextlib.ExitStack() as stack:
        # the sites and rules frozen out of the collector's view, the collector at the
        # server's thresholds; forked workers inherit both
        stack.enter_context(serving_collector())
        if workers == 1:  # in this process
            _batch_start(projects, rules, book)
            stack.callback(_batch["session"].close)  # rolls back: nothing is stored
            done: Iterator[list[Any]] = map(_batch_site, range(len(projects)))
        else:
            pool = stack.enter_context(
                multiprocessing.get_context("fork").Pool(
                    workers, _batch_start, (projects, rules, book)
                )
            )
            done = pool.imap(_batch_site, range(len(projects)), chunksize=64)
        bar = stack.enter_context(Progress(*_BAR, TimeRemainingColumn(), console=err))
        task = bar.add_task("sites", total=len(projects))
        for row in done:
            rows.append(row)
            bar.advance(task)
    _write_rows(out, rows)
    seconds = time.perf_counter() - started
    denied = sum(1 for r in rows if r[4] == "DENY")
    console.print(
        f"{len(rows)} sites screened in {seconds:.1f} s ({len(rows) / max(seconds, 1e-9):.0f}/s); "
        f"{denied} DENY; written to {out}"
    )
