"""China's civil time (北京时间): the zone of the standards' days and of the dates users mean.

A date a user leaves out ("as of today") is today in China, whatever zone the server runs
in: a release in force from 2026-12-05 is in force from 00:00 北京时间, not from 08:00, when a
container's clock is UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

#: Its IANA name (daylight saving 1986-1991 included): the days and years of the standards'
#: statistics (GB 3095-2012 days are its calendar days), and the time the reports print.
LOCAL_ZONE = "Asia/Shanghai"


def today() -> date:
    """Today's date in China."""
    return datetime.now(ZoneInfo(LOCAL_ZONE)).date()
