"""HTML renderings of the OGC API resources, for a browser that follows the links."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

_TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_resource(kind: str, title: str, body: dict[str, Any], **context: Any) -> str:
    """Render one OGC API resource (landing, collections, collection, items, feature, …).

    Args:
        kind: which resource it is; selects the parts of the page shown.
        title: the page title.
        body: the resource's JSON body (its ``links`` are listed on the page).
        **context: extra template variables (e.g. ``map_href``).

    Returns:
        The HTML page.
    """
    template = _environment().get_template("ogc.html")
    return template.render(kind=kind, title=title, body=body, **context)
