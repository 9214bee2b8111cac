"""Item parameters: which properties a feature carries, ``properties`` and ``sortby``.

Pages of items, single features and tiles are read by :mod:`layers.reads.fastread`, one
statement each.
"""

from __future__ import annotations

from layers.errors import FilterError
from layers.reads.cql import queryable_names
from layers.store.catalog import Collection

#: numberMatched is counted exactly only when the release is at most this big; above
#: it a filtered count could scan, and OGC API Features allows leaving it out.
COUNT_LIMIT = 10_000

#: Properties every feature may carry besides the catalogue fields.
EXTRA_PROPERTIES = ("release_id", "release", "synthetic", "area_m2")


def property_names(collection: Collection) -> tuple[str, ...]:
    """Every property name a feature of ``collection`` can carry."""
    extra = tuple(p for p in EXTRA_PROPERTIES if p != "area_m2" or collection.has_area)
    return (*collection.field_names, *extra)


def parse_properties(collection: Collection, text: str | None) -> tuple[str, ...] | None:
    """Parse ``properties=a,b``.

    Raises:
        FilterError: it names a property the collection does not have.
    """
    if text is None:
        return None
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    allowed = property_names(collection)
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise FilterError(
            f"properties: '{unknown[0]}' is not a property of '{collection.id}'. "
            f"Properties: {', '.join(allowed)}.",
            field="properties",
        )
    return names


def parse_sortby(collection: Collection, text: str | None) -> tuple[tuple[str, bool], ...]:
    """Parse ``sortby=+a,-b`` (``+`` or no sign ascending, ``-`` descending).

    Raises:
        FilterError: it names something that is not a sortable queryable.
    """
    if not text:
        return ()
    keys: list[tuple[str, bool]] = []
    sortable = [n for n in queryable_names(collection) if n != "geom"]
    for part in text.split(","):
        item = part.strip()
        ascending = not item.startswith("-")
        name = item.lstrip("+-").strip()
        if name not in sortable:
            raise FilterError(
                f"sortby: '{name}' is not sortable in '{collection.id}'. "
                f"Sortable: {', '.join(sortable)}.",
                field="sortby",
            )
        keys.append((name, ascending))
    return tuple(keys)
