"""CQL2 filters written in rule files and request bodies (screening, proximity queries).

One CQL2 compiler serves the whole product: :mod:`layers.reads.cql` (allow-listed catalogue
fields, bound values, metric distances). This module adapts it to filters that arrive in
a rule file or a JSON body: they are about one collection, refer to no date, and their
errors are 422 problems about the body rather than 400s about a query parameter.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement
from sqlalchemy.types import UserDefinedType

from gis.civil_time import today
from layers.errors import (
    FilterError,
    InvalidFilterError,
    UnknownFilterFieldError,
    UnknownQueryableError,
)
from layers.reads.cql import FilterContext, build_filter
from layers.store.catalog import read_collection

FilterLang = Literal["cql2-text", "cql2-json"]


class Geography(UserDefinedType[Any]):
    """Plain PostGIS ``geography`` for casts (``geom::geography``, no typmod).

    GeoAlchemy2's type renders ``geography(GEOMETRY,-1)``; the plain form keeps the
    expression identical to a ``(geom::geography)`` expression index.
    """

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:  # noqa: ARG002 - SQLAlchemy's signature
        """The SQL type name."""
        return "geography"


GEOGRAPHY = Geography()


def parse_filter(
    collection_id: str,
    text: str | dict[str, Any],
    lang: FilterLang = "cql2-text",
    as_of: date | ColumnElement[Any] | None = None,
) -> ColumnElement[bool]:
    """Translate a CQL2 filter on ``collection_id`` into a SQLAlchemy boolean expression.

    ``COLLECTION(...)`` references read the releases in force on ``as_of`` (a date or an
    SQL expression such as a screening plan's ``as_of`` parameter; default today).

    Raises:
        CollectionNotFoundError: no such collection.
        UnknownFilterFieldError: the filter names a field the collection does not allow.
        InvalidFilterError: the text does not parse or uses an unsupported construct.
    """
    collection = read_collection(collection_id)
    context = FilterContext(collection=collection, as_of=today() if as_of is None else as_of)
    source = text if isinstance(text, str) else json.dumps(text)
    try:
        return build_filter(source, lang, context)
    except UnknownQueryableError as exc:
        raise UnknownFilterFieldError(
            f"Filter on '{collection_id}': {exc.detail}", field="filter"
        ) from None
    except FilterError as exc:
        raise InvalidFilterError(
            f"Filter on '{collection_id}': {exc.detail}", field="filter"
        ) from None
