"""The Dockerfile and compose file cannot be built here (no Docker engine): check them statically."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_is_multistage_slim_and_non_root():
    ins = _instructions()
    froms = [rest for word, rest in ins if word == "FROM"]
    assert len(froms) >= 2 and all("slim" in f for f in froms)
    users = [rest for word, rest in ins if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(word == "HEALTHCHECK" for word, _ in ins)
    cmd = next(rest for word, rest in reversed(ins) if word == "CMD")
    assert "api.main:app" in cmd and "db upgrade" not in cmd  # migrations are separate


def test_dockerfile_copies_only_existing_paths():
    for word, rest in _instructions():
        if word == "COPY" and "--from" not in rest:
            sources = [p for p in rest.split() if not p.startswith("--")][:-1]
            for src in sources:
                assert (ROOT / src).exists(), f"COPY source missing: {src}"


def test_dockerfile_pins_the_uv_version_of_the_lock():
    uv = re.search(r"uv==([\d.]+)", (ROOT / "Dockerfile").read_text())
    assert uv is not None


def test_compose_uses_official_postgis_and_waits_for_it():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, api = compose["services"]["db"], compose["services"]["api"]
    assert db["image"].startswith("pgrouting/pgrouting:15-")  # PostGIS + pgRouting (migration 0012)
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert "DATABASE_URL" in api["environment"]


def test_hadolint_passes():
    import shutil
    import subprocess
    import sys

    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([exe, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
