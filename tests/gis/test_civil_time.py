"""Dates a user leaves out are today in China, whatever zone the server's clock is in."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from gis.civil_time import LOCAL_ZONE, today

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
    china = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert west[0] in (str(china), str(china - timedelta(days=1)), str(china + timedelta(days=1)))
    assert west[0] == str(today()) or datetime.now(ZoneInfo(LOCAL_ZONE)).hour == 0
