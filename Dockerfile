# syntax=docker/dockerfile:1
# For deployment (no Docker engine runs on the development machines): the API image.
# Migrations are a separate command:  docker compose run --rm api ecozone db upgrade
# The project is installed editable at /app so that migrations/, rules/ and data/ are found
# beside the packages, as in a checkout.

FROM python:3.11-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/app/.venv
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY api ./api
COPY web ./web
COPY layers ./layers
COPY gis ./gis
COPY migrations ./migrations
COPY rules ./rules
COPY data ./data
RUN uv sync --frozen --no-dev

FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PATH="/app/.venv/bin:$PATH"
# Debian stable package versions follow the base image (pinning breaks on security updates).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libcairo2 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1000 --create-home ecozone
COPY --from=build --chown=1000:1000 /app /app
WORKDIR /app
USER 1000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--loop", "uvloop", "--http", "httptools", "--workers", "2"]
