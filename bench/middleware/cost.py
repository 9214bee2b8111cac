"""Per-request cost of the hardening middlewares (gate, headers, control characters, body limits) around a no-op endpoint.

Run: uv run python bench/middleware/cost.py  (in-process, the same loop alternating bare and wrapped)
"""

import asyncio
import json
import time

from api.auth import ReadGate
from api.errors import UploadLimitMiddleware
from api.headers import SecurityHeadersMiddleware
from api.text_input import ControlCharacterMiddleware


async def endpoint(_scope, receive, send):
    await receive()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/geo+json")],
        }
    )
    await send({"type": "http.response.body", "body": b"{}"})


def stack(app):
    app = ControlCharacterMiddleware(app)
    app = UploadLimitMiddleware(
        app, max_bytes=200 << 20, path_limits={"/web/project-file": 20 << 20}
    )
    app = ReadGate(app, public_reads=True)
    return SecurityHeadersMiddleware(app, docs_paths=("/docs",))


async def run(app, method, body, n):
    scope_get = {
        "type": "http",
        "method": method,
        "path": "/collections/control_units/items",
        "root_path": "",
        "query_string": b"bbox=120.0,31.8,120.5,32.1&limit=100&datetime=2025-06-30",
        "headers": [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
        ],
    }

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(m):
        pass

    t = time.perf_counter()
    for _ in range(n):
        await app(dict(scope_get), receive, send)
    return (time.perf_counter() - t) / n * 1e6


async def main():
    body = json.dumps(
        {
            "name": "x",
            "geometry": {"type": "Point", "coordinates": [119, 32]},
            "industry": "化工",
            "kind": "新建",
        }
    ).encode()
    bare, full = endpoint, stack(endpoint)
    for method, b in (("GET", b""), ("POST", body)):
        rows = []
        for _ in range(5):
            rows.append((await run(bare, method, b, 20000), await run(full, method, b, 20000)))
        extra = sorted(f - b_ for b_, f in rows)[2]
        print(
            f"{method}: bare {sorted(r[0] for r in rows)[2]:.1f} us, with the four middlewares {sorted(r[1] for r in rows)[2]:.1f} us, median extra {extra:.1f} us per request"
        )


asyncio.run(main())
