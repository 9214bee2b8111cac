"""Data is never HTML: script-bearing names shown on the map and the report stay text.

A feature edited through the API, a saved screening and an uploaded project file carry
payloads; every view that shows them must show them literally and run none of them. Pages
also carry the security headers (a Content-Security-Policy without inline scripts).
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from fixture_layers import SITE_NEAR_YANGTZE
from shapely.geometry import mapping
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from layers.store.keys import create_key
from web.report import render_report
from web.router import STATIC
from web.staticmap import MapLayer, Style, render_svg

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '"><script>alert(2)</script>'
FILE_NAME = "<img src=x onerror=alert(3)>.geojson"
TEMPLATES = STATIC.parent / "templates"


class Watch:
    """Dialogs (a payload ran), CSP violations and page errors of one page."""

    def __init__(self, page) -> None:
        self.dialogs: list[str] = []
        self.csp: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, msg) -> None:
        if "Content Security Policy" in msg.text:
            self.csp.append(msg.text)

    def assert_clean(self) -> None:
        assert self.dialogs == [], f"a payload ran: {self.dialogs}"
        assert self.csp == [], f"CSP violations: {self.csp}"
        assert self.errors == [], f"page errors: {self.errors}"


@pytest.fixture(scope="module")
def planted(own_live_server) -> dict:
    """A server whose Yangtze is renamed to a payload (edit API) and a screening near it."""
    base, database_url = own_live_server("ecozone_xsstest")
    engine = create_engine(database_url)
    with Session(engine) as session:
        token = create_key(session, "editor", "xss test")[1]
    engine.dispose()
    with httpx.Client(base_url=base, timeout=30) as client:
        items = client.get("/collections/water_bodies/items", params={"limit": 50}).json()
        ids = {f["properties"]["name"]: f["id"] for f in items["features"]}
        for old, new in (("长江", IMG), ("锡澄运河", SCRIPT)):
            edited = client.patch(
                f"/collections/water_bodies/items/{ids[old]}",
                content=json.dumps({"properties": {"name": new}}),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/merge-patch+json",
                },
            )
            assert edited.status_code == 200, edited.text
        screening = client.post(
            "/screenings",
            json={
                "name": SCRIPT,
                "geometry": mapping(SITE_NEAR_YANGTZE),
                "industry": "化工",
                "kind": "新建",
                "buffer_m": 1000,
                "tags": ["排放污染物"],  # tags are the rule set's vocabulary: payloads are refused
            },
        )
        assert screening.status_code in (200, 201), screening.text
    body = screening.json()
    names = [e.get("name") for r in body["results"] for e in r.get("evidence") or []]
    assert IMG in names  # the edited name was copied into the evidence
    return {"base": base, "screening": body}


def _open_map(ctx, base: str):
    page = ctx.new_page()
    watch = Watch(page)
    page.goto(base + "/")
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=30_000)
    return page, watch


def test_map_shows_planted_names_as_text(browser_context_factory, planted, output_dir):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page, watch = _open_map(ctx, planted["base"])

    # the features' popups (first the list's properties, then the full feature)
    for name in (IMG, SCRIPT):
        page.evaluate(
            """(name) => { const es = window.ecozone.entries;
                           const l = [...es.water_areas.group.getLayers(), ...es.water_lines.group.getLayers()]
                             .find(l => l.feature.properties.name === name);
                           l.fire('click', {latlng: l.getBounds().getCenter()}); }""",
            name,
        )
        page.wait_for_selector(".leaflet-popup-content h4")
        page.wait_for_load_state("networkidle")
        assert name in page.inner_text(".leaflet-popup-content h4")
        assert name in page.inner_text(".leaflet-popup-content table")
        content = ".leaflet-popup-content img, .leaflet-popup-content script"
        assert page.locator(content).count() == 0
        page.evaluate("window.ecozone.map.closePopup()")
        page.wait_for_selector(".leaflet-popup", state="detached")  # after its fade-out

    # the history list, and the saved screening reopened from it (evidence, distance label)
    page.click("button[data-tab=history]")
    page.wait_for_selector("#history-list li.item")
    assert SCRIPT in page.inner_text("#history-list li.item >> nth=0")
    page.click("#history-list li.item >> nth=0")
    page.wait_for_selector("#verdict-banner[data-verdict=DENY]")
    assert SCRIPT in page.inner_text("#verdict-banner")
    assert IMG in page.inner_text("#screen-result ul.evidence")
    page.wait_for_selector(".distance-label")
    labels = page.locator(".distance-label").all_inner_texts()
    assert any(IMG in text for text in labels), labels
    assert page.locator(".distance-label img").count() == 0
    assert SCRIPT in page.input_value("#project-name")
    assert page.is_checked("#tag-list input[value=排放污染物]")  # its tags are ticked again
    page.screenshot(path=str(output_dir / "xss-01-reopened.png"))

    # the search box's results
    page.fill("#search", "onerror")
    page.wait_for_selector("#search-results li[data-i]")
    assert IMG in page.inner_text("#search-results")
    assert page.locator("#search-results img").count() == 0

    # the page's own markup has no element the payloads would have made
    assert page.locator("img[src=x]").count() == 0
    watch.assert_clean()


def test_uploaded_project_file_attributes_stay_text(browser_context_factory, planted, output_dir):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page, watch = _open_map(ctx, planted["base"])
    page.click("button[data-tab=screen]")
    collection = {
        "type": "FeatureCollection",
        "name": SCRIPT,
        "features": [
            {
                "type": "Feature",
                "properties": {"name": IMG, "note": SCRIPT, IMG: SCRIPT},
                "geometry": mapping(SITE_NEAR_YANGTZE),
            }
        ],
    }
    page.set_input_files(
        "#project-file",
        files=[
            {
                "name": FILE_NAME,
                "mimeType": "application/geo+json",
                "buffer": json.dumps(collection).encode(),
            }
        ],
    )
    page.wait_for_function("() => window.ecozone.project !== null")
    assert FILE_NAME in page.inner_text("#project-status")
    assert page.locator("#project-status img").count() == 0
    page.screenshot(path=str(output_dir / "xss-02-uploaded.png"))
    watch.assert_clean()


def test_report_page_shows_planted_names_as_text(browser_context_factory, planted):
    ctx = browser_context_factory(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    watch = Watch(page)
    response = page.goto(planted["base"] + f"/screenings/{planted['screening']['id']}/report")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.inner_text("h1") == SCRIPT
    assert IMG in page.inner_text("#evidence")
    assert page.locator("body img, body script:not([src])").count() == 0
    # the stylesheet applied (it is a file now, not an inline <style>)
    colour = page.locator("#verdict").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(198, 40, 40)"
    watch.assert_clean()


def test_render_report_escapes_names_and_the_map_title():
    screening = {
        "id": 1,
        "name": SCRIPT,
        "verdict": "DENY",
        "results": [
            {
                "rule_id": "r1",
                "outcome": "DENY",
                "title": IMG,
                "evidence": [
                    {"collection": "water_bodies", "feature_id": 1, "name": IMG, "distance_m": 5.0}
                ],
            }
        ],
    }
    svg = render_svg(
        [MapLayer(IMG, [mapping(SITE_NEAR_YANGTZE)], Style(stroke="#000"))],
        SITE_NEAR_YANGTZE.bounds,
        title=SCRIPT,
    )
    html = render_report(screening, [], map_svg=svg, pdf_href="/screenings/1/report.pdf")
    assert IMG not in html
    assert "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<script") == html.count("<script src=")


def test_templates_have_no_inline_script_or_style():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline script in {template.name}"
        assert "<style" not in text, f"inline <style> in {template.name}"
        assert not re.search(r"\son[a-z]+=", text), f"event handler attribute in {template.name}"
        assert "javascript:" not in text, template.name
        assert " style=" not in text, f"style attribute in {template.name}"


@pytest.mark.parametrize("path", ["/map", "/collections?f=html", "/docs"])
def test_html_pages_send_security_headers(web_client, path):
    response = web_client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    if path != "/docs":  # Swagger UI's page is FastAPI's, with its inline bootstrap script
        assert directives["script-src"] == ["'self'"]
        assert "'unsafe-inline'" not in directives["style-src"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/collections", "/static/js/map/main.js", "/nowhere"])
def test_other_responses_send_nosniff_but_no_page_policy(web_client, path):
    response = web_client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "content-security-policy" not in response.headers
    assert "x-frame-options" not in response.headers
