"""Pages and page helpers: the map (``/``), screening reports, place search, project upload.

``mount_static`` serves ``web/static`` (vendored Leaflet and plugins, our JS/CSS) at
``/static``; nothing is loaded from another host.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    File,
    Form,
    Query,
    Request,
    UploadFile,
)
from fastapi import Path as FastAPIPath
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from gis.civil_time import today
from gis.coords import parse_point
from layers.screening.storage import get_screening
from layers.store.catalog import COLLECTIONS
from web.conformity_report import render_xlsx
from web.places import search_places
from web.project_file import MAX_BYTES, read_project_file
from web.report import (
    environment,
    render_pdf,
    render_report,
    report_inputs,
    screening_releases,
)
from web.word_report import render_docx

STATIC = Path(__file__).parent / "static"

router = APIRouter(tags=["web"])


def get_session(request: Request) -> Any:
    """Open a session for the request (the same sessionmaker the API uses)."""
    with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def mount_static(app: FastAPI) -> None:
    """Serve ``web/static`` at ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request) -> HTMLResponse:
    """The reviewer's map."""
    root = request.scope.get("root_path", "")
    groups: list[str] = []
    for c in COLLECTIONS:
        if c.group not in groups:
            groups.append(c.group)
    html = environment().get_template("map.html").render(root=root, groups=groups)
    return HTMLResponse(html)


EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples.geojson"


@router.get("/web/examples", operation_id="web-list_examples")
def examples() -> Response:
    """The worked example projects of the demo (GeoJSON with industry, kind, expected verdict)."""
    if not EXAMPLES.exists():
        return JSONResponse({"type": "FeatureCollection", "features": []})
    return Response(EXAMPLES.read_bytes(), media_type="application/geo+json")


@router.get("/web/search", operation_id="web-search_places")
def search(
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="名称、代码或坐标")],
    near_lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    datetime_: Annotated[date | None, Query(alias="datetime")] = None,
) -> JSONResponse:
    """Places by name or code (admin divisions, water bodies, units…) or typed coordinates."""
    results: list[dict[str, Any]] = []
    point = parse_point(q, near_lon)
    if point is not None:
        results.append(
            {
                "kind": "point",
                "name": f"{point.lon:.6f}, {point.lat:.6f}",
                "how": point.how,
                "point": [point.lon, point.lat],
            }
        )
    else:
        results = [
            {"kind": "feature", **p.as_dict()}
            for p in search_places(session, q, as_of=datetime_ or today())
        ]
    return JSONResponse({"query": q, "results": results})


@router.post("/web/project-file", operation_id="web-read_project_file")
def project_file(
    file: Annotated[UploadFile, File(description="GeoJSON, zip 压缩的 Shapefile 或拐点坐标 txt")],
    crs: Annotated[str | None, Form()] = None,
    near_lon: Annotated[float | None, Form()] = None,
) -> JSONResponse:
    """Read an uploaded project file (at most 20 MB) and return its merged geometry in lon/lat."""
    # A plain def: FastAPI runs it in its threadpool, so reading and parsing the file never
    # blocks the event loop; the 20 MB cap is enforced while the body streams in
    # (api.errors.UploadLimitMiddleware), so this read is bounded.
    data = file.file.read(MAX_BYTES + 1)
    result = read_project_file(file.filename or "project", data, crs=crs or None, near_lon=near_lon)
    return JSONResponse(result.as_dict())


ScreeningId = Annotated[int, FastAPIPath(ge=1, le=2**63 - 1)]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/screenings/{screening_id}/report",
    response_class=HTMLResponse,
    tags=["reports"],
    responses={404: {"description": "no such screening"}},
)
def screening_report(
    request: Request, screening_id: ScreeningId, session: SessionDep
) -> HTMLResponse:
    """The printable report of a stored screening (HTML)."""
    screening = get_screening(session, screening_id, request.app.state.rule_book)
    releases, svg = report_inputs(session, screening)
    pdf_href = str(request.url_for("screening_report_pdf", screening_id=screening_id).path)
    word_href = str(request.url_for("screening_report_docx", screening_id=screening_id).path)
    excel_href = str(request.url_for("screening_report_xlsx", screening_id=screening_id).path)
    static_href = request.scope.get("root_path", "") + "/static"
    map_href = str(request.url_for("screening_map_file", screening_id=screening_id).path)
    review_href = f"{request.url_for('map_page').path}?screening={screening_id}"
    recheck_href = request.url_for("recheck_screening_route", screening_id=screening_id).path
    return HTMLResponse(
        render_report(
            screening,
            releases,
            map_svg=svg,
            pdf_href=pdf_href,
            word_href=word_href,
            excel_href=excel_href,
            static_href=static_href,
            map_href=map_href,
            review_href=review_href,
            recheck_href=recheck_href,
        )
    )


@router.get(
    "/screenings/{screening_id}/report.pdf",
    tags=["reports"],
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}},
        404: {"description": "no such screening"},
    },
)
def screening_report_pdf(
    request: Request, screening_id: ScreeningId, session: SessionDep
) -> Response:
    """The printable report of a stored screening (PDF, printed by WeasyPrint)."""
    screening = get_screening(session, screening_id, request.app.state.rule_book)
    releases, svg = report_inputs(session, screening)
    map_href = str(request.url_for("screening_map_file", screening_id=screening_id))
    html = render_report(screening, releases, map_svg=svg, map_href=map_href)
    pdf = render_pdf(html, base_url=str(request.base_url))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="screening-{screening_id}.pdf"'},
    )


@router.get(
    "/screenings/{screening_id}/report.docx",
    tags=["reports"],
    response_class=Response,
    responses={200: {"content": {DOCX_TYPE: {}}}, 404: {"description": "no such screening"}},
)
def screening_report_docx(
    request: Request, screening_id: ScreeningId, session: SessionDep
) -> Response:
    """The report of a stored screening as a Word document (tables, Chinese fonts, map)."""
    screening = get_screening(session, screening_id, request.app.state.rule_book)
    releases, svg = report_inputs(session, screening)
    return Response(
        render_docx(
            screening,
            releases,
            map_svg=svg,
            map_href=str(request.url_for("screening_map_file", screening_id=screening_id)),
        ),
        media_type=DOCX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="screening-{screening_id}.docx"'},
    )


@router.get(
    "/screenings/{screening_id}/map.html",
    tags=["reports"],
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, 404: {"description": "no such screening"}},
)
def screening_map_file(
    request: Request, screening_id: ScreeningId, session: SessionDep
) -> Response:
    """The screening as a self-contained interactive map (folium, Leaflet inlined; opens offline)."""
    from web.map_file import FILE_POLICY, map_file_inputs, render_map_file  # folium is heavy

    screening = get_screening(session, screening_id, request.app.state.rule_book)
    html = render_map_file(screening, map_file_inputs(session, screening))
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="screening-{screening_id}-map.html"',
            "Content-Security-Policy": FILE_POLICY + "; frame-ancestors 'none'",
        },
    )


@router.get(
    "/screenings/{screening_id}/report.xlsx",
    tags=["reports"],
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}}}, 404: {"description": "no such screening"}},
)
def screening_report_xlsx(
    request: Request, screening_id: ScreeningId, session: SessionDep
) -> Response:
    """The report's tables as an Excel workbook: a sheet each, numbers as numbers."""
    from web.workbook_report import render_workbook  # openpyxl: only here

    screening = get_screening(session, screening_id, request.app.state.rule_book)
    return Response(
        render_workbook(screening, screening_releases(session, screening)),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="screening-{screening_id}.xlsx"'},
    )


@router.get(
    "/screenings/{screening_id}/conformity.xlsx",
    tags=["reports"],
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}}}, 404: {"description": "no such screening"}},
)
def screening_conformity_xlsx(
    request: Request, screening_id: ScreeningId, session: SessionDep
) -> Response:
    """The 三线一单 conformity table of a stored screening as an Excel workbook."""
    screening = get_screening(session, screening_id, request.app.state.rule_book)
    synthetic = any(r.get("synthetic") for r in screening_releases(session, screening))
    return Response(
        render_xlsx(screening, layers_synthetic=synthetic),
        media_type=XLSX_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="screening-{screening_id}-conformity.xlsx"'
        },
    )
