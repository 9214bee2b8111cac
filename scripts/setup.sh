#!/usr/bin/env bash
# Install what the project needs on a fresh Debian machine (idempotent):
# PostgreSQL + PostGIS, GDAL tools, chromium and CJK fonts (browser tests, PDF reports), pango
# (WeasyPrint prints the PDF reports), cairo (cairosvg rasterises the Word report's map), uv,
# the venv; with --tests also what only the tests use: QGIS + PyQGIS (the desktop GIS
# tests), poppler-utils (pdftotext reads the PDF reports back), docker-compose (validates
# docker-compose.yml offline; no Docker engine runs here).
set -euo pipefail
tests=0; [ "${1:-}" = "--tests" ] && tests=1
here="$(cd "$(dirname "$0")/.." && pwd)"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
need=()
for pkg in postgresql postgresql-15-postgis-3 postgresql-15-pgrouting gdal-bin chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libcairo2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# QGIS 3.22 with PyQGIS (in Debian's system python3, not the venv) for the desktop GIS
# tests (tests/qgis), without recommends: ~176 packages, ~1 GB, about a minute.
lean=()
if [ "$tests" = 1 ]; then
  for pkg in qgis python3-qgis poppler-utils docker-compose; do
    dpkg -s "$pkg" >/dev/null 2>&1 || lean+=("$pkg")
  done
fi
if [ ${#need[@]} -gt 0 ] || [ ${#lean[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ${#lean[@]} -gt 0 ]; then
  echo "setup: apt-get install --no-install-recommends ${lean[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
fi
if ! command -v uv >/dev/null 2>&1; then
  echo "setup: installing uv from PyPI" >&2
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
fi
cd "$here"
uv sync --frozen --quiet
