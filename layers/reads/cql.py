"""CQL2 filters (OGC API Features Part 3) compiled to SQLAlchemy over a collection's table.

Text (``cql2-text``) and JSON (``cql2-json``) are parsed with pygeofilter into one AST,
which is then compiled by an explicit allow-list: only the catalogue's fields (plus
``id`` and ``geom``) can be named, every value is a bound parameter, and any node this
module does not know is refused. Nothing in a filter ever reaches SQL as text.

Beyond CQL2 Basic/Advanced comparison and Basic Spatial functions there is one declared
custom function, metric distance on the ellipsoid, which no peer server offers::

    S_DWITHIN_M(geom, POINT(120.27 31.95), 1000)
    S_DWITHIN_M(geom, COLLECTION('water_bodies', 'yangtze_class = ''mainstem'''), 1000)

The second form is true when the feature is within the distance of *any* feature of the
other collection (in its release valid at the same instant) that matches the inner
filter (``''`` for all). Distances are metres along the WGS84 ellipsoid
(``ST_DWithin(geography)``), pre-filtered by a degree box so the GiST index is used.
"""

from __future__ import annotations

import json
import os.path
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import shapely
import shapely.ops
from geoalchemy2 import Geography
from shapely.geometry import shape
from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from gis.crs import CHINA_BOUNDS, degrees_per_metre
from layers.errors import CollectionNotFoundError, FilterError, UnknownQueryableError
from layers.store.catalog import Collection, Field, read_collection
from layers.store.models import Release, feature_table
from layers.store.releases import select_in_force

#: The custom functions this server declares (listed in /conformance and the OpenAPI).
CUSTOM_FUNCTIONS = {
    "S_DWITHIN_M": (
        "S_DWITHIN_M(geom, <geometry literal | COLLECTION('id', 'cql2-text')>, metres): "
        "true when the feature lies within the given geodesic distance in metres "
        "(WGS84 ellipsoid) of the geometry, or of any matching feature of another "
        "collection as of the same date."
    ),
}

_MAX_DISTANCE_M = 1_000_000.0

#: Bounds on one filter, checked before any SQL is built (README, "Limits"): its text,
#: the nesting of its expression tree (a chain of N ``AND`` terms nests N deep), the
#: values of one ``IN`` list and the vertices of one geometry literal.
MAX_FILTER_CHARS = 20_000
MAX_FILTER_DEPTH = 100
MAX_IN_VALUES = 1_000
MAX_LITERAL_VERTICES = 10_000

#: The range of an ``id`` (bigint) and of a catalogue integer field (integer).
_BIGINT = (-(2**63), 2**63 - 1)
_INTEGER = (-(2**31), 2**31 - 1)

_SPATIAL = {
    "GeometryIntersects": "ST_Intersects",
    "GeometryDisjoint": "ST_Disjoint",
    "GeometryContains": "ST_Contains",
    "GeometryWithin": "ST_Within",
    "GeometryTouches": "ST_Touches",
    "GeometryCrosses": "ST_Crosses",
    "GeometryOverlaps": "ST_Overlaps",
    "GeometryEquals": "ST_Equals",
}


@dataclass(frozen=True)
class FilterContext:
    """What a filter is evaluated against.

    Attributes:
        collection: the collection whose table the filter applies to.
        as_of: the date whose releases a ``COLLECTION(...)`` reference uses.
        geometry_srid: the SRID of geometry literals (``filter-crs``), 4326 by default.
        geometry_lat_first: literals are in lat/lon (northing/easting) order.
    """

    collection: Collection
    as_of: date | ColumnElement[Any]
    geometry_srid: int = 4326
    geometry_lat_first: bool = False


# --- parsing -------------------------------------------------------------------------


class FilterGrammarError(RuntimeError):
    """pygeofilter's cql2-text grammar is not the one :data:`GRAMMAR_EDITS` patches."""


#: The edits of pygeofilter's cql2-text grammar, (upstream text, replacement): two CQL2
#: features are missing upstream, a function used as a predicate (``S_DWITHIN_M``) and
#: SQL-style ``''`` escapes inside string literals. pyproject pins pygeofilter's minor
#: version; :func:`check_filter_parser` fails start-up if an edit no longer applies.
GRAMMAR_EDITS = (
    (
        "          | spatial_predicate\n",
        '          | spatial_predicate\n          | "S_DWITHIN_M"i "(" expression "," '
        'expression "," expression ")" -> dwithin_m\n',
    ),
    ("""SINGLE_QUOTED: "'" /.*?/ "'\"""", """SINGLE_QUOTED: /'(?:[^']|'')*'/"""),
)


def patched_grammar(upstream: str) -> str:
    """The cql2-text grammar of pygeofilter with :data:`GRAMMAR_EDITS` applied.

    Raises:
        FilterGrammarError: an edit's upstream text is not in the grammar exactly once.
    """
    for old, new in GRAMMAR_EDITS:
        if upstream.count(old) != 1:
            raise FilterGrammarError(
                f"pygeofilter's cql2-text grammar changed: {old.strip()!r} is not in it "
                "exactly once, so S_DWITHIN_M or '' escapes would not parse. Pin the "
                "pygeofilter version the patch was written for (pyproject.toml)."
            )
        upstream = upstream.replace(old, new)
    return upstream


def check_filter_parser() -> None:
    """Build the cql2-text parser and check the patched grammar parses what it was patched for.

    Called at application start-up, so a pygeofilter whose grammar the patch does not
    fit fails loudly then rather than as a 400 on the first ``S_DWITHIN_M`` filter.

    Raises:
        FilterGrammarError: the grammar could not be patched, or the patch did not take.
    """
    from pygeofilter import ast

    probe = "S_DWITHIN_M(geom, POINT(1 2), 3) AND name = 'a''b'"
    try:
        tree = parse_filter(probe)
    except FilterError as exc:
        raise FilterGrammarError(f"the patched cql2-text grammar fails: {exc.detail}") from None
    if not (
        isinstance(tree, ast.And)
        and isinstance(tree.lhs, ast.Function)
        and tree.lhs.name == "s_dwithin_m"
        and isinstance(tree.rhs, ast.Equal)
        and tree.rhs.rhs == "a'b"
    ):
        raise FilterGrammarError(f"the patched cql2-text grammar parses {probe!r} as {tree!r}")


@lru_cache(maxsize=1)
def _text_parser() -> Any:
    """Build the cql2-text parser: pygeofilter's grammar, patched (:data:`GRAMMAR_EDITS`)."""
    from lark import Lark
    from pygeofilter.parsers.cql2_text import parser as upstream

    base = os.path.dirname(upstream.__file__)
    with open(os.path.join(base, "grammar.lark"), encoding="utf-8") as fh:
        grammar = patched_grammar(fh.read())

    class Transformer(upstream.CQLTransformer):  # type: ignore[misc]
        def dwithin_m(self, args: list[Any]) -> Any:
            from pygeofilter import ast

            return ast.Function("s_dwithin_m", list(args))

        def SINGLE_QUOTED(self, token: str) -> str:
            return token[1:-1].replace("''", "'")

    return Lark(
        grammar,
        parser="lalr",
        maybe_placeholders=False,
        transformer=Transformer(),
        import_paths=[os.path.dirname(base)],
    )


def _from_json(node: Any) -> Any:
    """Turn the custom functions of a cql2-json document into pygeofilter Function nodes.

    Both ``{"op": "s_dwithin_m", "args": …}`` and the ``{"function": …}`` form are taken.
    """
    from pygeofilter import ast
    from pygeofilter.parsers.cql2_json.parser import walk_cql_json

    if isinstance(node, list):
        return [_from_json(n) for n in node]
    if not isinstance(node, dict):
        return node
    name: str | None = None
    args: Any = None
    if isinstance(node.get("op"), str) and node["op"].lower() in ("s_dwithin_m", "collection"):
        name, args = node["op"].lower(), node.get("args", [])
    elif isinstance(node.get("function"), dict):
        fn = node["function"]
        name = str(fn.get("name", "")).lower()
        args = fn.get("args", fn.get("arguments", []))
    if name is not None:
        if not isinstance(args, list):
            raise FilterError(f"Function {name} needs an argument list.", field="filter")
        return ast.Function(name, [walk_cql_json(_from_json(a)) for a in args])
    return {k: _from_json(v) for k, v in node.items()}


def parse_filter(text: str | dict[str, Any], lang: str = "cql2-text") -> Any:
    """Parse a CQL2 filter into a pygeofilter AST.

    Raises:
        FilterError: the text is not valid CQL2 of that language.
    """
    from pygeofilter.parsers.cql2_json.parser import walk_cql_json

    if isinstance(text, str) and len(text) > MAX_FILTER_CHARS:
        raise FilterError(
            f"filter has {len(text):,} characters; at most {MAX_FILTER_CHARS:,} are accepted. "
            "Use fewer terms, or IN (...) instead of a chain of OR.",
            field="filter",
        )
    parser: Any = _text_parser() if lang == "cql2-text" else None  # FilterGrammarError passes
    try:
        if lang == "cql2-json":
            doc = json.loads(text) if isinstance(text, str) else text
            tree = walk_cql_json(_from_json(doc))
        elif lang != "cql2-text":
            raise FilterError(
                f"filter-lang '{lang}' is not supported; use cql2-text or cql2-json.",
                field="filter-lang",
            )
        else:
            tree = parser.parse(str(text))
    except FilterError:
        raise
    except RecursionError:
        raise _too_deep() from None
    except Exception as exc:  # lark and pygeofilter raise many unrelated types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FilterError(f"filter is not valid {lang}: {first[:200]}", field="filter") from None
    _check_size(tree)
    return tree


def _too_deep() -> FilterError:
    return FilterError(
        f"filter nests more than {MAX_FILTER_DEPTH} levels (a chain of N AND/OR terms nests "
        f"about N deep); use IN (...) for alternatives of one property, or fewer terms.",
        field="filter",
    )


def _check_size(tree: Any) -> None:
    """Refuse a tree deeper than :data:`MAX_FILTER_DEPTH` or an oversized ``IN`` list.

    Iterative, so a degenerate tree cannot exhaust the stack here; O(nodes).
    """
    from pygeofilter import ast

    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_FILTER_DEPTH:
            raise _too_deep()
        if isinstance(node, ast.In) and len(node.sub_nodes) > MAX_IN_VALUES:
            raise FilterError(
                f"IN has {len(node.sub_nodes):,} values; at most {MAX_IN_VALUES:,} are "
                "accepted. Split the query or filter on a coarser property.",
                field="filter",
            )
        if isinstance(node, ast.Node):
            stack.extend((sub, depth + 1) for sub in node.get_sub_nodes() or ())


# --- compiling -----------------------------------------------------------------------


def queryable_names(collection: Collection) -> tuple[str, ...]:
    """Names a filter, ``sortby`` or ``properties`` may use: id, fields, geom."""
    return ("id", *collection.field_names, "geom")


class _Compiler:
    def __init__(self, ctx: FilterContext, table: Table, depth: int = 0) -> None:
        self.ctx = ctx
        self.collection = ctx.collection
        self.table = table
        self.depth = depth

    # values and attributes

    def _field(self, node: Any) -> Field | None:
        from pygeofilter import ast

        if not isinstance(node, ast.Attribute):
            raise FilterError(
                f"Expected a property name, got {type(node).__name__}.", field="filter"
            )
        name = node.name
        if name not in queryable_names(self.collection):
            raise UnknownQueryableError(
                f"'{name}' is not a queryable of '{self.collection.id}'. Queryables: "
                f"{', '.join(queryable_names(self.collection))}.",
                field="filter",
            )
        if name in ("id", "geom"):
            return None
        return self.collection.field(name)

    def _column(self, node: Any) -> tuple[ColumnElement[Any], str]:
        from pygeofilter import ast

        if isinstance(node, ast.Function) and node.name == "lower" and len(node.arguments) == 1:
            col, kind = self._column(node.arguments[0])
            if kind != "text":
                raise FilterError("CASEI/LOWER applies to text properties only.", field="filter")
            return func.lower(col), "text"
        f = self._field(node)
        if f is None:
            if node.name == "geom":
                raise FilterError(
                    "geom can only be used in spatial functions (S_INTERSECTS, …).",
                    field="filter",
                )
            return self.table.c.id, "int"
        return self.table.c[f.name], f.type

    def _value(self, value: Any, kind: str, name: str) -> Any:
        from pygeofilter import ast

        if isinstance(value, ast.Function) and value.name == "lower" and len(value.arguments) == 1:
            return func.lower(literal(self._value(value.arguments[0], kind, name), Text))
        if kind in ("text", "text[]"):
            if isinstance(value, str):
                return value
        elif kind == "int":
            number = None
            if isinstance(value, int) and not isinstance(value, bool):
                number = value
            elif isinstance(value, float) and value.is_integer():
                number = int(value)
            if number is not None:
                low, high = _BIGINT if name == "id" else _INTEGER
                if not low <= number <= high:
                    raise FilterError(
                        f"Value {number} is out of range for property '{name}' ({low} to {high}).",
                        field="filter",
                    )
                return number
        elif kind == "float":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
        elif kind == "date":
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            if isinstance(value, str):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    pass
        raise FilterError(
            f"Value {value!r} does not fit property '{name}' of type {kind}.", field="filter"
        )

    # geometries

    def _geometry(self, node: Any) -> ColumnElement[Any]:
        from pygeofilter import ast, values

        if (  # cql2-text's BBOX(x1, y1, x2, y2): pygeofilter reads it as a function call
            isinstance(node, ast.Function)
            and node.name.lower() == "bbox"
            and len(node.arguments) in (4, 6)
            and all(isinstance(a, int | float) for a in node.arguments)
        ):
            args: list[float] = list(node.arguments)
            half = len(args) // 2  # a 3D box's heights are left out
            node = values.Envelope(args[0], args[half], args[1], args[half + 1])
        if isinstance(node, values.Envelope):
            minx, maxx, miny, maxy = node.x1, node.x2, node.y1, node.y2
            geojson: dict[str, Any] = {
                "type": "Polygon",
                "coordinates": [
                    [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
                ],
            }
        elif isinstance(node, values.Geometry):
            geojson = node.geometry
        else:
            raise FilterError(
                f"Expected a geometry literal, got {type(node).__name__}.", field="filter"
            )
        try:
            geom = shape(geojson)
        except Exception:
            raise FilterError(
                "filter contains an invalid geometry literal.", field="filter"
            ) from None
        if geom.is_empty:
            raise FilterError("filter contains an empty geometry literal.", field="filter")
        vertices = shapely.get_num_coordinates(geom)
        if vertices > MAX_LITERAL_VERTICES:
            raise FilterError(
                f"filter's geometry literal has {vertices:,} vertices; at most "
                f"{MAX_LITERAL_VERTICES:,} are accepted. Simplify it first.",
                field="filter",
            )
        if self.ctx.geometry_lat_first:
            geom = shapely.ops.transform(lambda x, y: (y, x), geom)
        expr: ColumnElement[Any] = func.ST_GeomFromText(literal(geom.wkt), self.ctx.geometry_srid)
        if self.ctx.geometry_srid != 4326:
            expr = func.ST_Transform(expr, 4326)
        return expr

    def _geom_attr(self, node: Any) -> ColumnElement[Any]:
        from pygeofilter import ast

        if isinstance(node, ast.Attribute) and node.name == "geom":
            return self.table.c.geom
        raise FilterError("The first argument of a spatial function must be geom.", field="filter")

    # nodes

    def compile(self, node: Any) -> ColumnElement[bool]:
        from pygeofilter import ast

        if isinstance(node, ast.And):
            return and_(self.compile(node.lhs), self.compile(node.rhs))
        if isinstance(node, ast.Or):
            return or_(self.compile(node.lhs), self.compile(node.rhs))
        if isinstance(node, ast.Not):
            return not_(self.compile(node.sub_node))
        if isinstance(node, ast.Include):
            return false() if node.not_ else true()
        if isinstance(node, bool):
            return true() if node else false()
        if isinstance(node, ast.Comparison):
            return self._comparison(node)
        if isinstance(node, ast.Between):
            col, kind = self._column(node.lhs)
            name = getattr(node.lhs, "name", "?")
            expr = col.between(
                self._value(node.low, kind, name), self._value(node.high, kind, name)
            )
            return not_(expr) if node.not_ else expr
        if isinstance(node, ast.Like):
            col, kind = self._column(node.lhs)
            if kind != "text":
                raise FilterError("LIKE applies to text properties only.", field="filter")
            pattern: Any = node.pattern
            if (  # CASEI('c26%'): the pattern lower-cased, as CASEI(property) is
                isinstance(pattern, ast.Function)
                and pattern.name == "lower"
                and len(pattern.arguments) == 1
                and isinstance(pattern.arguments[0], str)
            ):
                pattern = func.lower(literal(pattern.arguments[0], Text))
            elif not isinstance(pattern, str):
                raise FilterError("LIKE needs a string pattern.", field="filter")
            # CQL2 LIKE uses SQL's own wildcards (% and _), so the pattern is bound as is.
            expr = col.ilike(pattern) if node.nocase else col.like(pattern)
            return not_(expr) if node.not_ else expr
        if isinstance(node, ast.In):
            col, kind = self._column(node.lhs)
            name = getattr(node.lhs, "name", "?")
            items = [self._value(v, kind, name) for v in node.sub_nodes]
            expr = col.overlap(cast(items, ARRAY(Text))) if kind == "text[]" else col.in_(items)
            return not_(expr) if node.not_ else expr
        if isinstance(node, ast.IsNull):
            col, _ = self._column(node.lhs)
            return col.is_not(None) if node.not_ else col.is_(None)
        if type(node).__name__ in _SPATIAL:
            fn = getattr(func, _SPATIAL[type(node).__name__])
            spatial: ColumnElement[bool] = fn(self._geom_attr(node.lhs), self._geometry(node.rhs))
            return spatial
        if isinstance(node, ast.BBox):
            env = func.ST_MakeEnvelope(node.minx, node.miny, node.maxx, node.maxy, 4326)
            return func.ST_Intersects(self._geom_attr(node.lhs), env)
        if isinstance(node, ast.Function):
            return self._function(node)
        raise FilterError(
            f"{type(node).__name__} is not supported in filters here.", field="filter"
        )

    def _comparison(self, node: Any) -> ColumnElement[bool]:
        from pygeofilter import ast

        # "S_DWITHIN_M(...) = true" is the portable way to call a boolean function.
        if (
            isinstance(node.lhs, ast.Function)
            and node.lhs.name != "lower"
            and isinstance(node, ast.Equal | ast.NotEqual)
            and isinstance(node.rhs, bool)
        ):
            expr = self._function(node.lhs)
            positive = node.rhs if isinstance(node, ast.Equal) else not node.rhs
            return expr if positive else not_(expr)
        col, kind = self._column(node.lhs)
        name = getattr(node.lhs, "name", getattr(node.lhs, "arguments", [None])[0])
        value = self._value(node.rhs, kind, str(getattr(name, "name", name)))
        if kind == "text[]":
            if isinstance(node, ast.Equal):
                return literal(value, Text) == func.any(col)
            raise FilterError("List properties support only = and IN.", field="filter")
        ops: dict[type[Any], Callable[[Any, Any], ColumnElement[bool]]] = {
            ast.Equal: lambda a, b: a == b,
            ast.NotEqual: lambda a, b: a != b,
            ast.LessThan: lambda a, b: a < b,
            ast.LessEqual: lambda a, b: a <= b,
            ast.GreaterThan: lambda a, b: a > b,
            ast.GreaterEqual: lambda a, b: a >= b,
        }
        return ops[type(node)](col, value)

    def _distance(self, node: Any) -> float:
        if isinstance(node, bool) or not isinstance(node, int | float):
            raise FilterError("S_DWITHIN_M's distance must be a number of metres.", field="filter")
        distance = float(node)
        if not 0 <= distance <= _MAX_DISTANCE_M:
            raise FilterError(
                f"S_DWITHIN_M's distance must be between 0 and {_MAX_DISTANCE_M:.0f} metres.",
                field="filter",
            )
        return distance

    def _function(self, node: Any) -> ColumnElement[bool]:
        from pygeofilter import ast

        if node.name != "s_dwithin_m":
            raise FilterError(
                f"Unknown function '{node.name}'. Declared: {', '.join(CUSTOM_FUNCTIONS)}.",
                field="filter",
            )
        if len(node.arguments) != 3:
            raise FilterError("S_DWITHIN_M takes (geom, geometry, metres).", field="filter")
        geom = self._geom_attr(node.arguments[0])
        distance = self._distance(node.arguments[2])
        target = node.arguments[1]
        if isinstance(target, ast.Function) and target.name == "collection":
            return self._near_collection(geom, target, distance)
        other = self._geometry(target)
        return _near(geom, other, distance)

    def _near_collection(
        self, geom: ColumnElement[Any], target: Any, distance: float
    ) -> ColumnElement[bool]:
        if self.depth > 0:
            raise FilterError("COLLECTION(...) cannot be nested.", field="filter")
        args = target.arguments
        if not 1 <= len(args) <= 2 or not all(isinstance(a, str) for a in args):
            raise FilterError(
                "COLLECTION takes ('collection_id'[, 'cql2-text filter']).", field="filter"
            )
        try:
            other = read_collection(args[0])
        except CollectionNotFoundError:
            raise FilterError(
                f"COLLECTION('{args[0]}'): no such collection.", field="filter"
            ) from None
        other_table = feature_table(other.storage).alias("near")
        conditions: list[ColumnElement[bool]] = [
            other_table.c.release_id == release_as_of_subquery(other.storage, self.ctx.as_of),
            _near(other_table.c.geom, geom, distance),
        ]
        if other.stored_in is not None:  # a read view: its geometry type only
            conditions.append(func.ST_Dimension(other_table.c.geom) == other.dimension)
        if len(args) == 2 and args[1].strip():
            inner_ctx = FilterContext(other, self.ctx.as_of)
            inner = _Compiler(inner_ctx, other_table, depth=self.depth + 1)  # type: ignore[arg-type]
            conditions.append(inner.compile(parse_filter(args[1], "cql2-text")))
        return exists(
            select(literal(1)).select_from(other_table).where(*conditions).correlate(self.table)
        )


def _near(
    geom: ColumnElement[Any], other: ColumnElement[Any], distance: float
) -> ColumnElement[bool]:
    """``geom`` within ``distance`` metres (geodesic) of ``other``, index pre-tests first.

    The ``&&`` box (GiST) and a planar ``ST_DWithin`` in degrees, both implied by the
    geodesic test for features in China (:func:`gis.crs.degrees_per_metre`), drop most
    candidates before the geodesic test, which is what costs on long lines.
    """
    k = degrees_per_metre(CHINA_BOUNDS[3], distance)
    return and_(
        geom.op("&&")(func.ST_Expand(other, distance * k.lon, distance * k.lat)),
        func.ST_DWithin(geom, other, distance * k.planar),
        func.ST_DWithin(_geog(geom), _geog(other), distance),
    )


def _geog(expr: ColumnElement[Any]) -> ColumnElement[Any]:
    return cast(expr, Geography(srid=4326))


def release_as_of_subquery(collection_id: str, as_of: date | ColumnElement[Any]) -> Any:
    """Return the id of the release in force on ``as_of``, as a scalar subquery."""
    return select_in_force(collection_id, as_of, Release.id).scalar_subquery()


def compile_filter(ast_node: Any, ctx: FilterContext) -> ColumnElement[bool]:
    """Compile a parsed filter to a boolean SQL expression over the collection's table.

    Raises:
        FilterError: it names a property that is not queryable, compares a property with
            a value of the wrong type, or uses an unsupported operator or function.
    """
    try:
        return _Compiler(ctx, feature_table(ctx.collection.storage)).compile(ast_node)
    except RecursionError:  # a tree not from parse_filter, which bounds the depth
        raise _too_deep() from None


def build_filter(text: str, lang: str, ctx: FilterContext) -> ColumnElement[bool]:
    """Parse and compile a filter in one step."""
    return compile_filter(parse_filter(text, lang), ctx)
