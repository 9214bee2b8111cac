"""A client that hangs up in the middle of its request body is not a server error."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import serve_in_subprocess


def test_a_body_cut_short_by_the_client_is_logged_as_such_not_as_an_unhandled_error(
    database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "uvicorn.log"
    with serve_in_subprocess({"DATABASE_URL": database_url}, log, log_level="info") as base:
        where = urlsplit(base)
        for path in ("/screenings", "/sweeps"):
            with socket.create_connection((where.hostname, where.port), timeout=5) as sock:
                sock.sendall(
                    f"POST {path} HTTP/1.1\r\nHost: {where.netloc}\r\n"
                    "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                    '{"name": "cut short", '.encode()
                )
                time.sleep(0.3)  # the server is reading the body when the client leaves
        time.sleep(1.0)
        text = log.read_text(errors="replace")
    assert "client disconnected" in text
    assert "unhandled error" not in text and "Traceback" not in text, text[-2000:]
