"""The map's JavaScript: small ES modules, loaded as modules, with no per-collection table.

Static checks (no browser): the browser tests drive the behaviour.
"""

from __future__ import annotations

import re

import pytest

from layers.store.catalog import COLLECTIONS
from web.router import STATIC

MODULES = STATIC / "js" / "map"
MAX_LINES = 600
IMPORT = re.compile(r"^import\s*\{([^}]*)\}\s*from\s*\"([^\"]+)\";", re.MULTILINE)
EXPORT = re.compile(r"^export\s+(?:function|const|let|class)\s+(\w+)", re.MULTILINE)


def _sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(MODULES.glob("*.js"))}


def _code_only(text: str) -> str:
    """The source without its comments (block comments, and // comments after a blank)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return re.sub(r"(^|\s)//.*$", "", text, flags=re.MULTILINE)


def test_the_map_is_modules_none_over_the_limit():
    sources = _sources()
    assert "main.js" in sources and len(sources) >= 5
    assert not (STATIC / "js" / "map.js").exists()
    for name, text in sources.items():
        lines = text.count("\n")
        assert lines <= MAX_LINES, f"{name} has {lines} lines (at most {MAX_LINES})"


def test_map_page_loads_the_entry_module_after_leaflet(web_client):
    html = web_client.get("/", headers={"accept": "text/html"}).text
    scripts = re.findall(r"<script([^>]*)>", html)
    srcs = [re.search(r'src="([^"]+)"', s).group(1) for s in scripts]
    assert srcs[-1] == "/static/js/map/main.js"
    assert 'type="module"' in scripts[-1]
    assert all('type="module"' not in s for s in scripts[:-1])  # Leaflet, geoman: classic
    assert any(s.endswith("leaflet.js") for s in srcs[:-1])
    assert web_client.get(srcs[-1]).headers["content-type"].split(";")[0] in (
        "application/javascript",
        "text/javascript",
    )


def test_every_import_is_a_sibling_modules_export():
    sources = _sources()
    exports = {name: set(EXPORT.findall(text)) for name, text in sources.items()}
    for name, text in sources.items():
        imports = IMPORT.findall(text)
        assert len(imports) == text.count("\nimport ") + text.startswith("import "), name
        for names, target in imports:
            assert target.startswith("./"), f"{name} imports {target}"
            module = target[2:]
            assert module in sources, f"{name} imports a missing module {target}"
            for imported in (n.strip() for n in names.split(",") if n.strip()):
                assert imported in exports[module], f"{name}: {module} exports no {imported}"


@pytest.mark.parametrize("collection_id", [c.id for c in COLLECTIONS])
def test_no_module_names_a_collection(collection_id):
    # Styles, zoom limits, visibility and popup sections come from /collections: the
    # catalogue (layers/store/catalog.py) is their one home, so the code names no collection.
    word = re.compile(rf"\b{collection_id}\b")
    for name, text in _sources().items():
        assert not word.search(_code_only(text)), f"{name} names {collection_id!r}"
