"""The query string of the items and tiles routes, parsed and checked in one place.

:meth:`ItemsQuery.parse` reads the parameters a route takes (``limit``, ``offset``,
``bbox``/``bbox-crs``, ``crs``, ``datetime``, ``properties``, ``sortby``,
``filter``/``filter-lang``/``filter-crs``, ``f`` and the Part 1 property equality
filters) and raises the same problems whatever the route: a 422 with FastAPI's
``errors`` for a malformed ``limit``/``offset``/``filter-lang``/``f``, a 400 naming the
parameter for the rest. :data:`ITEMS_OPENAPI_PARAMETERS` documents them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import Field, TypeAdapter, ValidationError

from api.deps import parse_as_of
from api.errors import InvalidParameterError
from api.settings import ApiSettings
from gis.bbox import parse_bbox
from gis.crs import CRS84_API, api_crs
from layers.errors import FilterError
from layers.reads.cql import FilterContext, build_filter
from layers.reads.fastread import Fragment, ItemsRequest, expression_fragment, filter_fragment
from layers.reads.items import parse_properties, parse_sortby
from layers.store.catalog import Collection, read_collection

#: Query parameters of the items path besides the collection's property names.
ITEMS_PARAMS = frozenset(
    {
        "bbox",
        "bbox-crs",
        "crs",
        "limit",
        "offset",
        "datetime",
        "filter",
        "filter-lang",
        "filter-crs",
        "properties",
        "sortby",
        "f",
    }
)
#: Those of one feature (``/items/{id}``) and of a collection's tile.
ITEM_PARAMS = frozenset({"datetime", "crs", "properties", "f"})
TILE_PARAMS = frozenset({"datetime", "properties"})


def _query_param(
    name: str, description: str | None = None, schema: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """One OpenAPI query parameter (the items route reads its parameters itself)."""
    out: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema or {"type": "string"},
    }
    if description:
        out["description"] = description
    out.update(extra)
    return out


_FILTER_DOC = (
    "CQL2 filter over the queryables. Besides the standard operators, "
    "S_DWITHIN_M(geom, POINT(lon lat) | COLLECTION('id'[, 'cql2-text']), metres) "
    "selects features within a geodesic distance in metres."
)

#: The items route's query parameters as documented in the OpenAPI document. The route
#: reads ``request.query_params`` once instead of declaring 13 FastAPI parameters: their
#: validation cost ~40 % of the Python time of a point query (bench/RESULTS.md).
ITEMS_OPENAPI_PARAMETERS: list[dict[str, Any]] = [
    _query_param(
        "bbox",
        "minx,miny,maxx,maxy in `bbox-crs` (default CRS84 lon/lat)",
        examples={"bbox": {"value": "120.0,31.8,120.5,32.1"}},
    ),
    _query_param("bbox-crs", "CRS of bbox"),
    _query_param("crs", "CRS of the returned geometries"),
    # a reference to ``components/parameters/limit`` (:func:`limit_component`): where
    # QGIS's OAPIF provider and GDAL's OAPIF driver read the maximum page size
    {"$ref": "#/components/parameters/limit"},
    _query_param("offset", None, {"type": "integer", "minimum": 0, "maximum": 10_000_000}),
    _query_param(
        "filter",
        _FILTER_DOC,
        examples={"dwithin": {"value": "S_DWITHIN_M(geom, POINT(120.27 31.95), 1000)"}},
    ),
    _query_param(
        "filter-lang",
        None,
        {"type": "string", "pattern": "^cql2-(text|json)$", "default": "cql2-text"},
    ),
    _query_param("filter-crs", "CRS of the coordinates in `filter`"),
    _query_param("properties", "comma-separated properties to return"),
    _query_param("sortby", "comma-separated properties, - for descending"),
    _query_param("f", None, {"type": "string", "pattern": "^(json|geojson|html)$"}),
    _query_param(
        "datetime",
        "The instant whose releases to show (RFC 3339 date or date-time); default today.",
    ),
]


def limit_component(settings: ApiSettings) -> dict[str, Any]:
    """The ``limit`` parameter as an OpenAPI component, with the server's page sizes.

    QGIS (``QgsOapifApiRequest``) and GDAL (the OAPIF driver) read
    ``components/parameters/limit/schema`` (``maximum``, ``default``) and page at the
    maximum; with ``limit`` declared only inline they page at 100 and 10.
    """
    return _query_param(
        "limit",
        f"page size (default {settings.default_limit:,}, max {settings.max_limit:,})",
        {
            "type": "integer",
            "minimum": 1,
            "maximum": settings.max_limit,
            "default": settings.default_limit,
        },
        style="form",
        explode=False,
    )


_LIMIT = TypeAdapter(Annotated[int, Field(ge=1, le=10_000)])
_OFFSET = TypeAdapter(Annotated[int, Field(ge=0, le=10_000_000)])
_FILTER_LANG = TypeAdapter(Annotated[str, Field(pattern="^cql2-(text|json)$")])
_F = TypeAdapter(Annotated[str, Field(pattern="^(json|geojson|html)$")])


def _checked(adapter: TypeAdapter[Any], name: str, raw: str, errors: list[dict[str, Any]]) -> Any:
    """Validate one raw query value as FastAPI would (same messages, same ``loc``)."""
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        errors.extend({**e, "loc": ("query", name)} for e in exc.errors(include_url=False))
        return None


@dataclass(frozen=True)
class ItemsQuery:
    """A parsed items (or tiles) query of one collection.

    Attributes:
        collection: the collection asked for.
        page: what to read: the release's date (``datetime``, today when absent), the
            page (the settings' default limit when none is given), bbox and its CRS, the
            output CRS, the property filters and ``filter`` as SQL fragments,
            ``properties`` and ``sortby``.
        as_of_given: ``datetime`` was given (one feature is read in any release without it).
    """

    collection: Collection
    page: ItemsRequest
    as_of_given: bool = False

    @classmethod
    def parse(
        cls,
        params: Mapping[str, str],
        settings: ApiSettings,
        collection_id: str,
        accepts: frozenset[str] = ITEMS_PARAMS,
    ) -> ItemsQuery:
        """Parse the parameters of ``params`` that a route ``accepts``.

        With :data:`ITEMS_PARAMS` any other parameter must be a property of the
        collection (an equality filter; names starting with ``_`` are cache busters);
        otherwise other parameters are ignored.

        Raises:
            RequestValidationError: ``limit``, ``offset``, ``filter-lang`` or ``f`` is malformed.
            InvalidParameterError: a parameter is out of range or unknown.
            CollectionNotFoundError: no such collection.
            FilterError, InvalidBBoxError, CRSError: ``filter``, ``bbox`` or a CRS is invalid.
        """

        def given(name: str) -> str | None:
            return params.get(name) if name in accepts else None

        raw_datetime = given("datetime")
        as_of = parse_as_of(raw_datetime)
        errors: list[dict[str, Any]] = []
        raw_limit, raw_offset = given("limit"), given("offset")
        limit = settings.default_limit
        if raw_limit is not None:
            limit = _checked(_LIMIT, "limit", raw_limit, errors)
        offset = 0 if raw_offset is None else _checked(_OFFSET, "offset", raw_offset, errors)
        filter_lang = given("filter-lang")
        if filter_lang is None:
            filter_lang = "cql2-text"
        _checked(_FILTER_LANG, "filter-lang", filter_lang, errors)
        if given("f") is not None:
            _checked(_F, "f", params["f"], errors)
        if errors:
            raise RequestValidationError(errors)
        collection = read_collection(collection_id)
        if limit > settings.max_limit:
            raise InvalidParameterError(
                f"limit {limit} is above the maximum {settings.max_limit}.", field="limit"
            )
        crs, bbox_crs = given("crs"), given("bbox-crs")
        out_crs = api_crs(crs, field="crs") if crs else CRS84_API
        in_crs = api_crs(bbox_crs, field="bbox-crs") if bbox_crs else CRS84_API
        where: list[Fragment] = []
        if accepts == ITEMS_PARAMS:
            for name, value in params.items():
                if name in ITEMS_PARAMS or name.startswith("_"):  # "_": cache busters
                    continue
                if name not in collection.field_names:
                    raise InvalidParameterError(
                        f"Unknown query parameter '{name}'. Parameters: "
                        f"{', '.join(sorted(ITEMS_PARAMS))} "
                        f"or a property name ({', '.join(collection.field_names)}).",
                        field=name,
                    )
                where.append(
                    expression_fragment(
                        collection, _equality(collection, name, value, as_of), len(where)
                    )
                )
        filter_ = given("filter")
        if filter_:
            filter_crs = given("filter-crs")
            fcrs = api_crs(filter_crs, field="filter-crs") if filter_crs else CRS84_API
            ctx = FilterContext(collection, as_of, fcrs.srid, fcrs.lat_first)
            where.append(filter_fragment(filter_, filter_lang, ctx, len(where)))
        bbox = given("bbox")
        page = ItemsRequest(
            collection_id=collection.id,
            as_of=as_of,
            bbox=parse_bbox(bbox, in_crs) if bbox else None,
            bbox_crs=in_crs,
            where=where,
            properties=parse_properties(collection, given("properties")),
            sortby=parse_sortby(collection, given("sortby")),
            crs=out_crs,
            limit=limit,
            offset=offset,
        )
        return cls(collection, page, as_of_given=bool(raw_datetime))


def _equality(collection: Collection, name: str, value: str, as_of: date) -> Any:
    """``?name=value`` (Part 1 property filter), through the filter compiler's checks."""
    kind = collection.field(name).type
    literal_value: Any = value
    try:
        if kind == "int":
            literal_value = int(value)
        elif kind == "float":
            literal_value = float(value)
        elif kind == "date":
            literal_value = {"date": value}
    except ValueError:
        raise InvalidParameterError(f"{name}={value!r} is not a {kind}.", field=name) from None
    doc = {"op": "=", "args": [{"property": name}, literal_value]}
    try:
        return build_filter(
            orjson.dumps(doc).decode(), "cql2-json", FilterContext(collection, as_of)
        )
    except FilterError as exc:  # e.g. an integer out of the column's range
        raise InvalidParameterError(f"{name}: {exc.detail}", field=name) from None
