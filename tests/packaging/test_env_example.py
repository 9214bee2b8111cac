"""`.env.example` names every setting, with the default the code has."""

from pathlib import Path
from typing import Any

from api.settings import ApiSettings
from layers.ingest.queue import QueueSettings
from layers.store.db import DatabaseSettings

ROOT = Path(__file__).resolve().parents[2]


def _defaults(monkeypatch) -> dict[str, Any]:
    """Each setting's environment name and its default (read with nothing set)."""
    out: dict[str, Any] = {}
    for cls, prefix in (
        (ApiSettings, "APP_API_"),
        (DatabaseSettings, "APP_DB_"),
        (QueueSettings, "APP_JOBS_"),
    ):
        for name in cls.model_fields:
            env = "DATABASE_URL" if name == "url" else (prefix + name).upper()
            monkeypatch.delenv(env, raising=False)
            out[env] = (cls, name)
    return {env: getattr(cls(_env_file=None), name) for env, (cls, name) in out.items()}


def test_every_setting_is_listed_with_its_default(monkeypatch):
    defaults = _defaults(monkeypatch)
    listed = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            listed[name] = value
    assert sorted(listed) == sorted(defaults)
    for name, value in listed.items():
        monkeypatch.setenv(name, value)
    api, db = ApiSettings(_env_file=None), DatabaseSettings(_env_file=None)
    jobs = QueueSettings(_env_file=None)
    for name, default in defaults.items():
        field = "url" if name == "DATABASE_URL" else name.split("_", 2)[2].lower()
        settings = (
            db
            if name.startswith(("APP_DB_", "DATABASE"))
            else jobs
            if name.startswith("APP_JOBS_")
            else api
        )
        assert getattr(settings, field) == default, name
