"""Synthetic 查测溯治 histories for the demo's outfalls (labelled synthetic).

An outfall's ``status`` in the demo layer is its stage when the release starts
(``valid_from``): its history reaches that stage before then, each earlier stage on an
earlier day within the two and a half years before. After it the outfall goes on, a stage
every 60–240 days, and stalls with a chance of 15 % at each step, so that by today most
outfalls are closed (销号) and some are overdue against the 2023 / 2025 deadlines. Every
event is written with ``synthetic`` true and says so in its document and note. The
dates depend only on the outfall's code (same demo → same histories).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.ingest.outfall_events import EventRow, store_events
from layers.store.models import OUTFALL_STAGES
from layers.store.releases import get_release

#: No synthetic event is dated after this day.
LAST_DAY = date(2026, 11, 30)
STALL = 0.15


def histories(
    outfalls: Iterable[tuple[str, str | None]], release_day: date, last_day: date = LAST_DAY
) -> list[EventRow]:
    """Events of outfalls given as (code, stage on ``release_day``)."""
    events: list[EventRow] = []
    for code, status in outfalls:
        rng = np.random.default_rng(zlib.crc32(code.encode()))
        reached = OUTFALL_STAGES.index(status) if status in OUTFALL_STAGES else -1
        offsets = sorted(rng.choice(np.arange(1, 900), reached + 1, replace=False), reverse=True)
        days = [release_day - timedelta(days=int(d)) for d in offsets]
        day = days[-1] if days else release_day - timedelta(days=int(rng.integers(0, 200)))
        for _ in range(reached + 1, len(OUTFALL_STAGES)):
            if rng.random() < STALL:
                break
            day = max(day, release_day) + timedelta(days=int(rng.integers(60, 241)))
            if day > last_day:
                break
            days.append(day)
        events += [
            EventRow(0, code, stage, d, f"{stage}记录（合成数据）", "synthetic 合成演示数据")
            for stage, d in zip(OUTFALL_STAGES, days, strict=False)
        ]
    return events


def load_outfall_histories(session: Session, release: str) -> int:
    """Write the histories of the outfalls of the demo ``release`` unless some exist."""
    if session.execute(text("SELECT 1 FROM outfall_events WHERE synthetic LIMIT 1")).first():
        return 0
    rel = get_release(session, "outfalls", release)
    rows = session.execute(
        text("SELECT code, status FROM outfalls WHERE release_id = :r AND code IS NOT NULL"),
        {"r": rel.id},
    ).all()
    events = histories([(r.code, r.status) for r in rows], rel.valid_from)
    if events:
        store_events(session, events, synthetic=True)
    return len(events)
