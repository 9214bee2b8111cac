"""FastAPI's native OpenTelemetry is a setting, off by default (``APP_API_TELEMETRY``).

When on, FastAPI looks up the tracer, meter and logger providers on every request to
decide whether to instrument it; off, a request never asks (2 % of a point read's Python).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace

from api.app import create_app
from api.settings import ApiSettings
from layers.store.db import DatabaseSettings


@pytest.mark.parametrize(("enabled", "asks"), [(False, False), (True, True)])
def test_requests_ask_for_a_tracer_only_with_telemetry_on(
    database_url: str, monkeypatch: pytest.MonkeyPatch, enabled: bool, asks: bool
) -> None:
    app = create_app(
        ApiSettings(telemetry=enabled, _env_file=None),
        DatabaseSettings(url=database_url, _env_file=None),
    )
    calls: list[int] = []
    real = trace.get_tracer_provider

    def counted() -> trace.TracerProvider:
        calls.append(1)
        return real()

    with TestClient(app) as client:
        monkeypatch.setattr(trace, "get_tracer_provider", counted)
        assert client.get("/healthz").status_code == 200
    assert bool(calls) is asks


def test_telemetry_is_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_API_TELEMETRY", raising=False)
    assert ApiSettings(_env_file=None).telemetry is False
    monkeypatch.setenv("APP_API_TELEMETRY", "true")
    assert ApiSettings(_env_file=None).telemetry is True
