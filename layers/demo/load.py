"""Load a built demo dataset (``manifest.json`` + GeoJSON files) as releases."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.demo.outfall_histories import load_outfall_histories
from layers.demo.readings import load_readings
from layers.ingest.entry_lists import EntryListOptions, EntryListReport, import_entry_list
from layers.ingest.importer import ImportOptions, ImportReport, import_file
from layers.ingest.rasters import RasterImportOptions, import_raster
from layers.store.entry_lists import release_collection
from layers.store.models import Release
from layers.store.rasters import RasterSettings
from layers.store.rasters import release_collection as raster_collection

logger = logging.getLogger(__name__)


def load_demo(
    session: Session, out_dir: Path, *, progress: Callable[[str], None] | None = None
) -> list[ImportReport]:
    """Import every release of the manifest not loaded yet; return the new reports.

    Each release carries the manifest's source, licence and note; features keep their
    own ``synthetic`` flag (a release mixing real and synthetic features is labelled
    synthetic as a whole by the importer). After the layers come the synthetic outfall
    histories and the stations' synthetic readings of the last complete year
    (:mod:`layers.demo.readings`), all in the caller's transaction.
    """
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    reports = []
    for collection_id, releases in manifest["collections"].items():
        for entry in releases:
            exists = session.scalar(
                select(Release.id).where(
                    Release.collection == collection_id, Release.name == entry["release"]
                )
            )
            if exists is not None:
                continue
            if progress:
                progress(f"{collection_id}/{entry['release']} ← {entry['file']}")
            options = ImportOptions(
                collection=collection_id,
                release=entry["release"],
                valid_from=date.fromisoformat(entry["valid_from"]),
                source=entry["source"],
                licence=entry["licence"],
                note=entry["note"],
                coverage=entry.get("coverage"),
            )
            reports.append(import_file(session, out_dir / entry["file"], options))
    load_entry_lists(session, out_dir, manifest, progress=progress)
    for entry in manifest["collections"].get("outfalls", [])[:1]:
        written = load_outfall_histories(session, entry["release"])
        if written and progress:
            progress(f"outfall_events ← {written} synthetic events")
    for entry in manifest["collections"].get("monitoring_stations", [])[:1]:
        load_readings(session, entry["release"], int(manifest["seed"]), progress=progress)
    load_rasters(session, out_dir, manifest, progress=progress)
    return reports


def load_rasters(
    session: Session,
    out_dir: Path,
    manifest: dict[str, Any],
    *,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Import the manifest's rasters not loaded yet (into the rasters data folder)."""
    reports = []
    settings = RasterSettings()
    for entry in manifest.get("rasters", []):
        exists = session.scalar(
            select(Release.id).where(
                Release.collection == raster_collection(entry["layer"]),
                Release.name == entry["release"],
            )
        )
        if exists is not None:
            continue
        if progress:
            progress(f"raster.{entry['layer']}/{entry['release']} ← {entry['file']}")
        options = RasterImportOptions(
            layer=entry["layer"],
            release=entry["release"],
            valid_from=date.fromisoformat(entry["valid_from"]),
            classes=entry.get("classes"),
            source=entry["source"],
            licence=entry["licence"],
            note=entry["note"],
            synthetic=entry["synthetic"],
        )
        reports.append(import_raster(session, out_dir / entry["file"], options, settings))
    return reports


def load_entry_lists(
    session: Session,
    out_dir: Path,
    manifest: dict[str, Any],
    *,
    progress: Callable[[str], None] | None = None,
) -> list[EntryListReport]:
    """Import the manifest's entry lists not loaded yet (after the control units)."""
    reports = []
    for entry in manifest.get("entry_lists", []):
        collection = release_collection(entry["level"])
        exists = session.scalar(
            select(Release.id).where(
                Release.collection == collection, Release.name == entry["release"]
            )
        )
        if exists is not None:
            continue
        if progress:
            progress(f"{collection}/{entry['release']} ← {entry['file']}")
        options = EntryListOptions(
            release=entry["release"],
            valid_from=date.fromisoformat(entry["valid_from"]),
            level=entry["level"],
            source=entry["source"],
            licence=entry["licence"],
            note=entry["note"],
            synthetic=entry["synthetic"],
        )
        reports.append(import_entry_list(session, out_dir / entry["file"], options))
    return reports
