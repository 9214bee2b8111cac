"""CQL2 filter text → SQLAlchemy boolean expressions over a collection's allow-listed fields.

Field names are checked against the catalogue before translation, and every value ends
up as a bound parameter (pygeofilter's SQLAlchemy backend builds expressions, never SQL
strings). Distance predicates are measured in metres on the spheroid (geography), not in
the degrees of the stored EPSG:4326 geometry.
"""

from __future__ import annotations

from typing import Any, Literal

from lark.exceptions import LarkError
from pygeofilter import ast
from pygeofilter.backends.evaluator import handle
from pygeofilter.backends.sqlalchemy.evaluate import SQLAlchemyFilterEvaluator
from sqlalchemy import ColumnElement, cast, func, not_
from sqlalchemy.types import UserDefinedType

from layers.catalog import get_collection
from layers.errors import InvalidFilterError, UnknownFilterFieldError
from layers.models import feature_table

FilterLang = Literal["cql2-text", "cql2-json"]

#: Columns every collection allows besides its catalogue fields.
_COMMON_FIELDS = ("id", "release_id", "synthetic", "geom")

_METRES_PER_UNIT = {
    None: 1.0,
    "m": 1.0,
    "meters": 1.0,
    "metres": 1.0,
    "km": 1000.0,
    "kilometers": 1000.0,
    "kilometres": 1000.0,
}


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


def allowed_fields(collection_id: str) -> dict[str, ColumnElement[Any]]:
    """The filterable fields of a collection: its catalogue fields plus id/geometry columns.

    Raises:
        CollectionNotFoundError: no such collection.
    """
    collection = get_collection(collection_id)
    table = feature_table(collection.id)
    names = (*collection.field_names, *_COMMON_FIELDS)
    if collection.has_area:
        names = (*names, "area_m2")
    return {name: table.c[name] for name in names}


def _attributes(node: Any) -> set[str]:
    if isinstance(node, ast.Attribute):
        return {node.name}
    found: set[str] = set()
    for sub in getattr(node, "get_sub_nodes", lambda: [])() or []:
        found |= _attributes(sub)
    return found


class _Evaluator(SQLAlchemyFilterEvaluator):  # type: ignore[misc]
    """pygeofilter's evaluator with metric (geography) distance predicates."""

    @handle(ast.SpatialDistancePredicate, subclasses=True)  # type: ignore[untyped-decorator]
    def spatial_distance(self, node: Any, lhs: Any, rhs: Any) -> Any:
        factor = _METRES_PER_UNIT.get(node.units)
        if factor is None:
            raise InvalidFilterError(
                f"Unsupported distance unit '{node.units}'; use meters or kilometers.",
                field="filter",
            )
        within = func.ST_DWithin(
            cast(lhs, GEOGRAPHY), cast(rhs, GEOGRAPHY), float(node.distance) * factor
        )
        return within if node.op.value == "DWITHIN" else not_(within)

    @handle(ast.Function)  # type: ignore[untyped-decorator]
    def function(self, node: Any, *arguments: Any) -> Any:
        if node.name.lower() != "lower":
            raise InvalidFilterError(
                f"Unknown function '{node.name}' in filter; only lower() is allowed.",
                field="filter",
            )
        return func.lower(*arguments)


def _parse_ast(text: str | dict[str, Any], lang: FilterLang) -> Any:
    try:
        if lang == "cql2-json":
            from pygeofilter.parsers.cql2_json import parse as parse_json

            return parse_json(text)
        from pygeofilter.parsers.cql2_text import parse as parse_text

        return parse_text(str(text))
    except (LarkError, ValueError, TypeError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidFilterError(
            f"Cannot parse the filter {str(text)!r} as {lang}: {first}", field="filter"
        ) from None


def parse_filter(
    collection_id: str, text: str | dict[str, Any], lang: FilterLang = "cql2-text"
) -> ColumnElement[bool]:
    """Translate a CQL2 filter on ``collection_id`` into a SQLAlchemy boolean expression.

    Args:
        collection_id: the catalogue collection the filter is about.
        text: CQL2 text (or a CQL2 JSON object when ``lang`` is ``"cql2-json"``).
        lang: ``"cql2-text"`` (default) or ``"cql2-json"``.

    Returns:
        An expression over the collection's table columns; values are bound parameters.

    Raises:
        CollectionNotFoundError: no such collection.
        UnknownFilterFieldError: the filter names a field the collection does not allow.
        InvalidFilterError: the text does not parse or uses an unsupported construct.
    """
    fields = allowed_fields(collection_id)
    tree = _parse_ast(text, lang)
    unknown = sorted(_attributes(tree) - set(fields))
    if unknown:
        raise UnknownFilterFieldError(
            f"Unknown field '{unknown[0]}' in the filter on '{collection_id}'. "
            f"Allowed fields: {', '.join(sorted(fields))}.",
            field="filter",
        )
    try:
        expression: ColumnElement[bool] = _Evaluator(fields, False).evaluate(tree)
    except InvalidFilterError:
        raise
    except Exception as exc:  # pygeofilter raises bare Exceptions for unsupported nodes
        raise InvalidFilterError(
            f"Unsupported construct in the filter {str(text)!r}: {exc}", field="filter"
        ) from None
    if not isinstance(expression, ColumnElement):
        raise InvalidFilterError(
            f"The filter {str(text)!r} is not a condition (true/false).", field="filter"
        )
    return expression
