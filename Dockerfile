# syntax=docker/dockerfile:1
# For deployment (no Docker engine runs on the development machines): the API image.
# Migrations are a separate command:  docker compose run --rm api ecozone db upgrade

FROM python:3.11-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY api ./api
COPY web ./web
COPY layers ./layers
COPY gis ./gis
COPY migrations ./migrations
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PATH="/opt/venv/bin:$PATH"
RUN useradd --uid 1000 --create-home ecozone
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=1000:1000 migrations ./migrations
COPY --chown=1000:1000 rules ./rules
USER 1000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--loop", "uvloop", "--http", "httptools", "--workers", "2"]
