"""Dates a user leaves out are today in China, whatever zone the server's clock is in."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gis.civil_time import local_time, today

ROOT = Path(__file__).resolve().parents[2]
PROBE = "from gis.civil_time import today; from datetime import date; print(today(), date.today())"


def _in_zone(tz: str) -> tuple[str, str]:
    env = {**os.environ, "TZ": tz}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    ours, naive = out.stdout.split()
    return ours, naive


def test_today_is_chinas_date_in_any_server_zone():
    # 26 hours apart: the machine's own date differs between the two at every hour of the day
    west, east = _in_zone("Etc/GMT+12"), _in_zone("Etc/GMT-14")
    assert west[1] != east[1]  # date.today() follows the machine
    assert west[0] == east[0]  # ours does not
    # China's date (unless the probe and this line straddle midnight 北京时间)
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    assert west[0] == str(today()) or (now.hour, now.minute) == (0, 0)


def test_stored_times_are_printed_as_beijing_time():
    # stored in UTC: 20:32 on the 4th is 04:32 on the 5th in 北京时间 (UTC+8)
    assert local_time("2026-12-04T20:32:38.123456+00:00") == "2026-12-05 04:32:38"
    assert local_time("2026-12-05T04:32:38+08:00") == "2026-12-05 04:32:38"
    # 1988's summer had daylight saving in China: the zone, not a fixed +8, says so
    assert local_time("1988-07-01T00:00:00+00:00") == "1988-07-01 09:00:00"
    assert local_time(None) == "—"
