"""Drive QGIS (PyQGIS, headless) against an ecozone server and print what it saw as JSON.

Run with Debian's system Python, which has ``python3-qgis`` (not the project's venv):

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis/probe.py '<json task>'

The task is ``{"base": URL, "out": folder, "steps": [...]}``; each step is one of

- ``{"do": "oapif", "collection": id, "full": bool, "authcfg": {"user", "password"}?}``:
  the layer through QGIS's OAPIF provider: validity, geometry type, fields, feature
  count (``full``: every feature read), the requests QGIS made and the seconds it took;
- ``{"do": "render_oapif", "collection": id, "name": png, "extent": [x0, y0, x1, y1]?}``:
  the layer rendered with its default symbol; the number of painted pixels;
- ``{"do": "vector_tiles", "url": template, "style": url, "name": png, "extent": [...]}``:
  a vector tile layer with the style URL: validity, the style's rules, painted pixels.

The output is a JSON list, one object per step in order, on stdout (the server's access
log counts the requests).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsAuthMethodConfig,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataSourceUri,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorTileLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QImage


def _auth_config(user: str, password: str) -> str:
    manager = QgsApplication.authManager()
    if not manager.masterPasswordIsSet():
        manager.setMasterPassword("ecozone-test-master", True)
    config = QgsAuthMethodConfig("Basic")
    config.setName("ecozone key")
    config.setConfig("username", user)
    config.setConfig("password", password)
    manager.storeAuthenticationConfig(config)
    return config.id()


def oapif_layer(base: str, collection: str, authcfg: dict[str, str] | None) -> QgsVectorLayer:
    uri = QgsDataSourceUri()
    uri.setParam("url", base)
    uri.setParam("typename", collection)
    if authcfg:
        uri.setAuthConfigId(_auth_config(authcfg["user"], authcfg["password"]))
    return QgsVectorLayer(uri.uri(False), collection, "OAPIF")


def step_oapif(base: str, step: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    layer = oapif_layer(base, step["collection"], step.get("authcfg"))
    out: dict[str, Any] = {"valid": layer.isValid()}
    if not layer.isValid():  # (layer.error() of an invalid OAPIF layer crashes QGIS 3.22)
        return out
    out["geometry_type"] = QgsWkbTypes.displayString(layer.wkbType())
    out["fields"] = {f.name(): f.typeName() for f in layer.fields()}
    out["field_types"] = {f.name(): int(f.type()) for f in layer.fields()}
    out["aliases"] = {f.name(): f.alias() for f in layer.fields()}
    out["title"] = layer.dataProvider().layerMetadata().title()
    if step.get("full"):
        n = 0
        types: set[str] = set()
        for feature in layer.getFeatures():
            n += 1
            types.add(QgsWkbTypes.displayString(feature.geometry().wkbType()))
        out["features"] = n
        out["feature_geometry_types"] = sorted(types)
    out["feature_count"] = layer.featureCount()
    out["seconds"] = round(time.perf_counter() - started, 3)
    return out


def _render(layer: Any, extent: QgsRectangle, path: str, crs: str) -> dict[str, Any]:
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem(crs))
    settings.setOutputSize(QSize(600, 600))
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setExtent(extent)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image: QImage = job.renderedImage()
    image.save(path)
    painted = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            if image.pixel(x, y) & 0xFFFFFF != 0xFFFFFF:
                painted += 1
    return {"png": path, "painted": painted, "errors": [e.message for e in job.errors()]}


def _extent(step: dict[str, Any], layer: Any, crs: str) -> QgsRectangle:
    if step.get("extent"):
        box = QgsRectangle(*step["extent"])
        to = QgsCoordinateTransform(
            QgsCoordinateReferenceSystem("EPSG:4326"),
            QgsCoordinateReferenceSystem(crs),
            QgsProject.instance(),
        )
        return to.transformBoundingBox(box)
    return layer.extent()


def step_render_oapif(base: str, out_dir: str, step: dict[str, Any]) -> dict[str, Any]:
    layer = oapif_layer(base, step["collection"], step.get("authcfg"))
    if not layer.isValid():
        return {"valid": False}
    crs = layer.crs().authid() or "EPSG:4326"
    path = os.path.join(out_dir, step["name"])
    return {"valid": True, **_render(layer, _extent(step, layer, crs), path, crs)}


def step_vector_tiles(out_dir: str, step: dict[str, Any]) -> dict[str, Any]:
    uri = QgsDataSourceUri()
    uri.setParam("type", "xyz")
    uri.setParam("url", step["url"])
    uri.setParam("zmin", "0")
    uri.setParam("zmax", str(step.get("zmax", 14)))
    if step.get("style"):
        uri.setParam("styleUrl", step["style"])
    layer = QgsVectorTileLayer(bytes(uri.encodedUri()).decode(), "tiles")
    out: dict[str, Any] = {"valid": layer.isValid()}
    if not layer.isValid():
        return out
    message, loaded = layer.loadDefaultStyle()
    out["style_loaded"] = bool(loaded)
    out["style_message"] = message
    renderer = layer.renderer()
    out["styles"] = (
        [s.styleName() for s in renderer.styles()] if hasattr(renderer, "styles") else []
    )
    labeling = layer.labeling()
    out["label_styles"] = (
        [s.styleName() for s in labeling.styles()]
        if labeling and hasattr(labeling, "styles")
        else []
    )
    path = os.path.join(out_dir, step["name"])
    out.update(_render(layer, _extent(step, layer, "EPSG:3857"), path, "EPSG:3857"))
    return out


def main() -> None:
    task = json.loads(sys.argv[1])
    app = QgsApplication([], False)
    app.initQgis()
    os.makedirs(task["out"], exist_ok=True)
    results = []
    for step in task["steps"]:
        if step["do"] == "oapif":
            results.append(step_oapif(task["base"], step))
        elif step["do"] == "render_oapif":
            results.append(step_render_oapif(task["base"], task["out"], step))
        elif step["do"] == "vector_tiles":
            results.append(step_vector_tiles(task["out"], step))
        else:
            raise SystemExit(f"unknown step {step['do']}")
    sys.stdout.write(json.dumps(results, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    os._exit(0)  # QGIS's exitQgis can hang or crash headless; the results are out


if __name__ == "__main__":
    main()
