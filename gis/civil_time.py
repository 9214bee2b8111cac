"""China's civil time (北京时间): the zone of the standards' days and of the dates users mean.

A date a user leaves out ("as of today") is today in China, whatever zone the server runs
in: a release in force from 2026-12-05 is in force from 00:00 北京时间, not from 08:00, when a
container's clock is UTC. Stored times are UTC; the pages print them in 北京时间.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

#: Its IANA name (daylight saving 1986-1991 included): the days and years of the standards'
#: statistics (GB 3095-2012 days are its calendar days), and the time the reports print.
LOCAL_ZONE = "Asia/Shanghai"


def today() -> date:
    """Today's date in China."""
    return datetime.now(ZoneInfo(LOCAL_ZONE)).date()


def start_of(day: date) -> datetime:
    """00:00 北京时间 of ``day``, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(LOCAL_ZONE))


def local_time(iso: str | None) -> str:
    """An ISO timestamp (stored in UTC) in 北京时间 to the second: ``2026-12-05 04:32:38``."""
    if not iso:
        return "—"
    return (
        datetime.fromisoformat(iso).astimezone(ZoneInfo(LOCAL_ZONE)).strftime("%Y-%m-%d %H:%M:%S")
    )
