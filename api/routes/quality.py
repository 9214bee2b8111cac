"""Environmental quality over HTTP: a station's readings (JSON or CSV) and attainment."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from api.deps import SessionDep
from layers.reads.attainment import attainment
from layers.reads.readings import parse_bound, station_series

router = APIRouter(tags=["quality"])


@router.get(
    "/stations/{code}/readings",
    operation_id="station-readings",
    responses={200: {"content": {"text/csv": {}}}},
)
def station_readings(
    code: str,
    session: SessionDep,
    parameter: Annotated[str, Query(max_length=40, examples=["PM2.5"])],
    from_: Annotated[
        str | None, Query(alias="from", description="start (date or date-time; CST if no zone)")
    ] = None,
    to: Annotated[str | None, Query(description="end, exclusive (date or date-time)")] = None,
    interval: Literal["hour", "day", "month", "year"] = "hour",
    f: Literal["json", "csv"] = "json",
) -> Response:
    """A station's readings of one parameter: hourly values or daily/monthly/yearly means.

    Periods are calendar periods in China Standard Time; an hour keeps its CNEMC label
    (its end). Air: a day needs ≥ 20 hourly values (GB 3095-2012 Table 4), otherwise its
    value is null; months and years average the valid daily means (`n` = valid days).
    """
    series = station_series(
        session,
        code,
        parameter,
        start=parse_bound(from_, "from"),
        end=parse_bound(to, "to"),
        interval=interval,
    )
    if f == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["station", "parameter", "unit", "time", "value", "n", "flag"])
        for p in series.points:
            writer.writerow(
                [
                    series.station,
                    series.parameter,
                    series.unit,
                    p.time.isoformat(),
                    "" if p.value is None else repr(p.value),
                    p.n,
                    p.flag,
                ]
            )
        return Response(
            buf.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{series.station}-{series.parameter}-{interval}.csv"'
            },
        )
    body: dict[str, Any] = {
        "station": series.station,
        "parameter": series.parameter,
        "unit": series.unit,
        "interval": interval,
        "time_zone": "+08:00",
        "values": [
            {
                "time": p.time.isoformat(),
                "value": p.value,
                "n": p.n,
                **({"flag": p.flag} if p.flag else {}),
            }
            for p in series.points
        ],
    }
    return JSONResponse(body)


@router.get("/attainment", operation_id="attainment")
def attainment_report(
    session: SessionDep,
    year: Annotated[int, Query(ge=1980, le=2200, description="calendar year")],
    admin: Annotated[
        str | None, Query(max_length=6, description="adcode or prefix (2–6 digits), e.g. 3202")
    ] = None,
) -> JSONResponse:
    """Attainment of a calendar year per station and per city (4-digit adcode).

    Air: GB 3095-2012 Grade II with the HJ 663-2013 statistics (annual means of PM2.5,
    PM10, NO2, SO2; 95th percentile of daily CO; 90th percentile of daily maximum 8-hour
    O3), rounded by GB/T 8170; a pollutant with fewer than 324 valid days is 无效 with the
    reason, never a number. Surface water: GB 3838-2002 class by the worst single
    parameter of the annual means, and whether the section's target class is met.
    """
    return JSONResponse(attainment(session, year, admin))
