"""Outfall lifecycle reads: one outfall's history, and the deadline view by city.

The deadlines are the plans' (江苏省“十四五”生态环境保护规划, file 000 Ch.5 §2
¶持续开展排污口排查整治和管理, digest ``jiangsu.md`` §F.1):
「2023年底前完成全省骨干河道和重点湖泊排污口排查」 → 排查 due 2023-12-31;
「2023年底前全面完成长江、太湖流域入河排污口整治，2025年底前完成其他骨干河道和重点湖泊排污口及
入海排污口整治」 → 整治 due 2023-12-31 for 长江/太湖 outfalls, 2025-12-31 for the others.
An outfall's own ``deadline`` (整治时限, its 一口一策 date) overrides the plan's default.

On a date ``as_of``: an outfall's stage is its latest event on or before it; it counts as
surveyed once it has any event (a later stage implies the survey); its remediation is done
once it has a 销号 event (the 销号 of 「建立排污口整治销号制度」, Jiangxi Ch.6 §2, closes a
remediated outfall). Overdue: not surveyed (not closed) and ``as_of`` after the due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.errors import InvalidOutfallQueryError, OutfallNotFoundError
from layers.store.catalog import get_collection
from layers.store.models import OUTFALL_STAGES
from layers.store.releases import release_as_of


@dataclass(frozen=True)
class Deadline:
    """A due date and the plan clause it comes from."""

    due: date
    source: str


_PLAN = "江苏省“十四五”生态环境保护规划 第五章第二节"
SURVEY_DUE = Deadline(
    date(2023, 12, 31), f"{_PLAN}：「2023年底前完成全省骨干河道和重点湖泊排污口排查」"
)
REMEDIATION_DUE_YANGTZE_TAIHU = Deadline(
    date(2023, 12, 31), f"{_PLAN}：「2023年底前全面完成长江、太湖流域入河排污口整治」"
)
REMEDIATION_DUE = Deadline(
    date(2025, 12, 31),
    f"{_PLAN}：「2025年底前完成其他骨干河道和重点湖泊排污口及入海排污口整治」",
)
_OWN = "排污口整治时限（一口一策）"
#: Receiving waters whose outfalls fall under the 长江、太湖流域 2023 clause.
YANGTZE_TAIHU = ("长江", "太湖")


def remediation_deadline(
    own: date | None, kind: str | None, receiving_water: str | None
) -> tuple[date, str]:
    """An outfall's 整治 due date and its source: its own deadline, else the plan's."""
    if own is not None:
        return own, _OWN
    water = receiving_water or ""
    if kind == "入江" or any(water.startswith(w) for w in YANGTZE_TAIHU):
        return REMEDIATION_DUE_YANGTZE_TAIHU.due, REMEDIATION_DUE_YANGTZE_TAIHU.source
    return REMEDIATION_DUE.due, REMEDIATION_DUE.source


def check_admin(admin: str | None) -> str | None:
    """An adcode prefix (2 to 6 digits), or a 400 naming ``admin``."""
    if admin is None or admin == "":
        return None
    if not (admin.isascii() and admin.isdigit()) or not 2 <= len(admin) <= 6:
        raise InvalidOutfallQueryError(
            f"'{admin}' is not an adcode or adcode prefix (2 to 6 digits, e.g. 3202).",
            field="admin",
        )
    return admin


_EVENTS = """
SELECT stage, date, document, note, synthetic, recorded_at FROM outfall_events
WHERE outfall_code = :code
ORDER BY date, array_position(CAST(:stages AS text[]), stage), id
"""


def history(session: Session, code: str, as_of: date) -> dict[str, Any]:
    """An outfall's events in order, its current stage on ``as_of`` and its feature.

    The feature is the one in force on ``as_of``, else the one of its latest release.

    Raises:
        OutfallNotFoundError: no release of ``outfalls`` has this code.
    """
    events = [
        {
            "stage": r.stage,
            "date": r.date.isoformat(),
            "document": r.document,
            "note": r.note,
            "synthetic": r.synthetic,
            "recorded_at": r.recorded_at.isoformat(),
        }
        for r in session.execute(text(_EVENTS), {"code": code, "stages": list(OUTFALL_STAGES)})
    ]
    collection = get_collection("outfalls")
    names = ", ".join(f"o.{n}" for n in collection.field_names)
    row = (
        session.execute(
            text(
                f"SELECT o.id, {names}, o.synthetic, ST_AsGeoJSON(o.geom, 7) AS geometry, "  # noqa: S608 (catalogue names)
                "r.name AS release, (r.valid_from <= :d AND (r.valid_to IS NULL OR r.valid_to > :d)) "
                "AS in_force FROM outfalls o JOIN releases r ON r.id = o.release_id "
                "WHERE o.code = :code ORDER BY in_force DESC, r.valid_from DESC, r.id DESC LIMIT 1"
            ),
            {"code": code, "d": as_of},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise OutfallNotFoundError(code)
    props = {n: row[n] for n in (*collection.field_names, "synthetic", "release")}
    for key, value in props.items():
        if isinstance(value, date):
            props[key] = value.isoformat()
    done = [e for e in events if e["date"] <= as_of.isoformat()]
    due, due_source = remediation_deadline(row["deadline"], row["type"], row["receiving_water"])
    return {
        "code": code,
        "as_of": as_of.isoformat(),
        "current_stage": done[-1]["stage"] if done else None,
        "stages": list(OUTFALL_STAGES),
        "events": events,
        "deadlines": {
            "survey": {"due": SURVEY_DUE.due.isoformat(), "source": SURVEY_DUE.source},
            "remediation": {"due": due.isoformat(), "source": due_source},
        },
        "feature": {
            "type": "Feature",
            "id": row["id"],
            "geometry": orjson.loads(row["geometry"]),
            "properties": props,
        },
    }


_STATE = """
SELECT o.code, o.name, o.admin_code, o.type, o.receiving_water, o.deadline, o.synthetic,
       ST_X(o.geom) AS lon, ST_Y(o.geom) AS lat,
       (SELECT e.stage FROM outfall_events e WHERE e.outfall_code = o.code AND e.date <= :d
        ORDER BY e.date DESC, array_position(CAST(:stages AS text[]), e.stage) DESC, e.id DESC
        LIMIT 1) AS stage,
       (SELECT min(e.date) FROM outfall_events e
        WHERE e.outfall_code = o.code AND e.date <= :d) AS surveyed_on,
       (SELECT min(e.date) FROM outfall_events e
        WHERE e.outfall_code = o.code AND e.stage = '销号' AND e.date <= :d) AS closed_on
FROM outfalls o
WHERE o.release_id = :r AND (CAST(:admin AS text) IS NULL OR o.admin_code LIKE :admin || '%')
ORDER BY o.admin_code, o.code
"""

#: A progress class per outfall, for the map's 排污口整治进度 view.
PROGRESS_LABELS = {
    "done": "已销号",
    "overdue": "逾期",
    "in_progress": "推进中",
    "not_started": "未排查",
}


def _progress(closed: bool, overdue: bool, surveyed: bool) -> str:
    if closed:
        return "done"
    if overdue:
        return "overdue"
    return "in_progress" if surveyed else "not_started"


def deadlines(session: Session, as_of: date, admin: str | None = None) -> dict[str, Any]:
    """Every outfall in force on ``as_of`` against the 2023 / 2025 deadlines, per city.

    ``admin`` keeps the outfalls whose adcode starts with it; a city is a 4-digit adcode.
    """
    admin = check_admin(admin)
    release = release_as_of(session, "outfalls", as_of)
    outfalls: list[dict[str, Any]] = []
    if release is not None:
        rows = session.execute(
            text(_STATE),
            {"d": as_of, "r": release.id, "admin": admin, "stages": list(OUTFALL_STAGES)},
        ).mappings()
        for r in rows:
            due, source = remediation_deadline(r["deadline"], r["type"], r["receiving_water"])
            survey_overdue = r["surveyed_on"] is None and as_of > SURVEY_DUE.due
            remediation_overdue = r["closed_on"] is None and as_of > due
            outfalls.append(
                {
                    "code": r["code"],
                    "name": r["name"],
                    "admin_code": r["admin_code"],
                    "city": (r["admin_code"] or "")[:4] or None,
                    "type": r["type"],
                    "receiving_water": r["receiving_water"],
                    "stage": r["stage"],
                    "surveyed_on": r["surveyed_on"].isoformat() if r["surveyed_on"] else None,
                    "survey_due": SURVEY_DUE.due.isoformat(),
                    "survey_overdue": survey_overdue,
                    "closed_on": r["closed_on"].isoformat() if r["closed_on"] else None,
                    "remediation_due": due.isoformat(),
                    "remediation_due_source": source,
                    "remediation_overdue": remediation_overdue,
                    "progress": _progress(
                        r["closed_on"] is not None,
                        survey_overdue or remediation_overdue,
                        r["surveyed_on"] is not None,
                    ),
                    "synthetic": r["synthetic"],
                    "lon": round(float(r["lon"]), 7),
                    "lat": round(float(r["lat"]), 7),
                }
            )
    names = _city_names(session, as_of, sorted({o["city"] for o in outfalls if o["city"]}))
    cities: dict[str | None, dict[str, Any]] = {}
    for o in outfalls:
        c = cities.setdefault(
            o["city"],
            {
                "city": o["city"],
                "name": names.get(o["city"] or ""),
                "outfalls": 0,
                "surveyed": 0,
                "survey_overdue": 0,
                "closed": 0,
                "remediation_overdue": 0,
                "stages": dict.fromkeys((*OUTFALL_STAGES, "未排查"), 0),
            },
        )
        c["outfalls"] += 1
        c["surveyed"] += o["surveyed_on"] is not None
        c["survey_overdue"] += o["survey_overdue"]
        c["closed"] += o["closed_on"] is not None
        c["remediation_overdue"] += o["remediation_overdue"]
        c["stages"][o["stage"] or "未排查"] += 1
    keys = ("outfalls", "surveyed", "survey_overdue", "closed", "remediation_overdue")
    return {
        "as_of": as_of.isoformat(),
        "admin": admin,
        "release": release.name if release is not None else None,
        "deadlines": {
            "survey": {"due": SURVEY_DUE.due.isoformat(), "source": SURVEY_DUE.source},
            "remediation": [
                {
                    "due": d.due.isoformat(),
                    "scope": scope,
                    "source": d.source,
                }
                for d, scope in (
                    (
                        REMEDIATION_DUE_YANGTZE_TAIHU,
                        "长江、太湖流域入河排污口（入江或受纳水体为长江/太湖）",
                    ),
                    (REMEDIATION_DUE, "其他排污口"),
                )
            ],
            "own_deadline": "排污口自身的整治时限（deadline）优先于规划默认时限",
        },
        "totals": {k: sum(c[k] for c in cities.values()) for k in keys},
        "cities": sorted(cities.values(), key=lambda c: c["city"] or ""),
        "items": outfalls,
    }


def _city_names(session: Session, as_of: date, cities: list[str]) -> dict[str, str]:
    """City names from the admin divisions in force (``xxxx00``), where loaded."""
    release = release_as_of(session, "admin_divisions", as_of)
    if release is None or not cities:
        return {}
    rows = session.execute(
        text("SELECT adcode, name FROM admin_divisions WHERE release_id = :r AND adcode = ANY(:a)"),
        {"r": release.id, "a": [c + "00" for c in cities]},
    ).all()
    return {a[:4]: n for a, n in rows}


CSV_COLUMNS = (
    "code",
    "name",
    "admin_code",
    "city",
    "type",
    "receiving_water",
    "stage",
    "surveyed_on",
    "survey_due",
    "survey_overdue",
    "closed_on",
    "remediation_due",
    "remediation_overdue",
    "progress",
    "synthetic",
)
