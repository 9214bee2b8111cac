#!/usr/bin/env bash
# Install what the project needs on a fresh Debian machine (idempotent):
# PostgreSQL + PostGIS, GDAL tools, chromium and CJK fonts (browser tests, PDF reports), pango
# (WeasyPrint prints the PDF reports), cairo (cairosvg rasterises the Word report's map), poppler-utils
# (pdftotext reads the PDF reports back in tests), uv, the venv.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
need=()
for pkg in postgresql postgresql-15-postgis-3 gdal-bin chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libcairo2 poppler-utils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v uv >/dev/null 2>&1; then
  echo "setup: installing uv from PyPI" >&2
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
fi
cd "$here"
uv sync --frozen --quiet
