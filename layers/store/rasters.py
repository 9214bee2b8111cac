"""Raster layers: which exist, where their files live, and the release in force.

A raster layer (``dem``, ``land_cover``) has releases like a vector collection: each is a
``releases`` row whose collection is ``raster.<layer>`` (validity, source, licence,
coverage = the raster's footprint) and a :class:`layers.store.models.RasterFile` row that
says where its Cloud-Optimized GeoTIFF is (relative to :attr:`RasterSettings.data_dir`)
and what it is. The release in force on a date is chosen by the same rule as for every
collection (:func:`layers.store.releases.select_in_force`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.errors import RasterLayerNotFoundError
from layers.store.models import RasterFile, Release
from layers.store.releases import select_in_force

Kind = Literal["continuous", "categorical"]


@dataclass(frozen=True)
class RasterLayer:
    """A raster layer: its id, Chinese title, kind and the unit of its values."""

    id: str
    title: str
    kind: Kind
    unit: str
    #: the statistics a rule may test on it (:mod:`layers.screening.rasters`)
    stats: tuple[str, ...]


RASTER_LAYERS: dict[str, RasterLayer] = {
    "dem": RasterLayer(
        "dem",
        "数字高程模型（DEM）",
        "continuous",
        "m",
        ("min", "mean", "max", "slope_min", "slope_mean", "slope_max"),
    ),
    "land_cover": RasterLayer(
        "land_cover", "土地覆被", "categorical", "class", ("share_pct", "area_m2")
    ),
}

_PREFIX = "raster."
#: The folder a relative :attr:`RasterSettings.data_dir` is read from.
CHECKOUT = Path(__file__).resolve().parents[2]


class RasterSettings(BaseSettings):
    """Where raster files are written and how large an import may be (``APP_RASTER_*``)."""

    model_config = SettingsConfigDict(env_prefix="APP_RASTER_", env_file=".env", extra="ignore")

    #: The folder of the stored COGs (git-ignored by default: ``.cache/rasters``). A relative
    #: path is read from the checkout's folder, not the working directory: the server and
    #: every ``ecozone`` command find the same files wherever they are started.
    data_dir: Path = Path(".cache/rasters")
    #: The largest raster (cells) an import accepts (20,000 × 20,000 by default).
    max_pixels: int = Field(default=400_000_000, ge=1)

    @field_validator("data_dir")
    @classmethod
    def _from_the_checkout(cls, value: Path) -> Path:
        return value if value.is_absolute() else CHECKOUT / value


def get_raster_layer(layer: str) -> RasterLayer:
    """The raster layer with this id.

    Raises:
        RasterLayerNotFoundError: no such layer (the detail lists the known ones).
    """
    found = RASTER_LAYERS.get(layer)
    if found is None:
        raise RasterLayerNotFoundError(
            f"No raster layer '{layer}': use one of {', '.join(RASTER_LAYERS)}.", field="layer"
        )
    return found


def release_collection(layer: str) -> str:
    """The ``releases.collection`` of a raster layer's releases (``raster.dem``)."""
    return _PREFIX + layer


def layer_of(collection: str) -> str | None:
    """The raster layer of a ``releases.collection`` (None: not a raster release)."""
    return collection[len(_PREFIX) :] if collection.startswith(_PREFIX) else None


@dataclass(frozen=True)
class StoredRaster:
    """A raster release in force, as readers need it."""

    release_id: int
    release: str
    revision: int
    layer: str
    kind: Kind
    path: Path
    crs: str
    resolution_m: float
    classes: tuple[dict[str, Any], ...]
    source: str
    licence: str
    note: str
    synthetic: bool
    valid_from: date

    @property
    def class_names(self) -> dict[int, str]:
        """Class value → name."""
        return {int(c["value"]): str(c["name"]) for c in self.classes}

    @property
    def palette(self) -> dict[int, str]:
        """Class value → ``#rrggbb``."""
        return {int(c["value"]): str(c["color"]) for c in self.classes}

    def evidence(self) -> dict[str, Any]:
        """What a statistic cites: the layer and its release."""
        return {
            "layer": self.layer,
            "release_id": self.release_id,
            "release": self.release,
            "resolution_m": round(self.resolution_m, 2),
            "source": self.source,
            "licence": self.licence,
            "synthetic": self.synthetic,
        }


def stored_raster(release: Release, raster: RasterFile, data_dir: Path) -> StoredRaster:
    """The reader's view of a release and its raster row."""
    return StoredRaster(
        release_id=release.id,
        release=release.name,
        revision=release.revision,
        layer=raster.layer,
        kind="categorical" if raster.kind == "categorical" else "continuous",
        path=data_dir / raster.path,
        crs=raster.crs,
        resolution_m=raster.resolution_m,
        classes=tuple(raster.classes or ()),
        source=release.source,
        licence=release.licence,
        note=release.note,
        synthetic=release.synthetic,
        valid_from=release.valid_from,
    )


def raster_in_force(
    session: Session, layer: str, as_of: date, data_dir: Path
) -> StoredRaster | None:
    """The release of a raster layer in force on ``as_of`` (None: none is).

    Raises:
        RasterLayerNotFoundError: the layer is unknown.
    """
    get_raster_layer(layer)
    in_force = select_in_force(release_collection(layer), as_of, Release.id).scalar_subquery()
    row = session.execute(
        select(Release, RasterFile)
        .join(RasterFile, RasterFile.release_id == Release.id)
        .where(Release.id == in_force)
    ).first()
    return None if row is None else stored_raster(row[0], row[1], data_dir)


def rasters_in_force(session: Session, as_of: date, data_dir: Path) -> list[StoredRaster]:
    """Every raster layer's release in force on ``as_of``, in :data:`RASTER_LAYERS` order."""
    found = (raster_in_force(session, layer, as_of, data_dir) for layer in RASTER_LAYERS)
    return [r for r in found if r is not None]


def list_raster_releases(session: Session) -> list[tuple[Release, RasterFile]]:
    """Every raster release with its file row, per layer, newest validity first."""
    rows = session.execute(
        select(Release, RasterFile)
        .join(RasterFile, RasterFile.release_id == Release.id)
        .order_by(RasterFile.layer, Release.valid_from.desc(), Release.id.desc())
    )
    return [(r[0], r[1]) for r in rows]


#: What the screening reads of a raster release in force and its file, in order
#: (:func:`layers.screening.plan.build_plan`'s raster rows).
IN_FORCE_COLUMNS = (
    "release_id",
    "release",
    "revision",
    "valid_from",
    "source",
    "licence",
    "note",
    "synthetic",
    "layer",
    "kind",
    "path",
    "crs",
    "resolution_m",
    "classes",
)


def stored_from_row(row: tuple[Any, ...], data_dir: Path) -> StoredRaster:
    """A row of :data:`IN_FORCE_COLUMNS` as a :class:`StoredRaster`."""
    v = dict(zip(IN_FORCE_COLUMNS, row, strict=True))
    return StoredRaster(
        release_id=int(v["release_id"]),
        release=v["release"],
        revision=int(v["revision"]),
        layer=v["layer"],
        kind="categorical" if v["kind"] == "categorical" else "continuous",
        path=data_dir / v["path"],
        crs=v["crs"],
        resolution_m=float(v["resolution_m"]),
        classes=tuple(v["classes"] or ()),
        source=v["source"],
        licence=v["licence"],
        note=v["note"],
        synthetic=bool(v["synthetic"]),
        valid_from=v["valid_from"],
    )
