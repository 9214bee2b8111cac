"""The rule and policy library (政策文件一库览): rules and source documents, JSON or HTML.

Every route reads the rule set in force on ``as_of`` (default today) from the app's
rule book. JSON by default; ``f=html`` or a browser's ``Accept: text/html`` gets a page
in Chinese (:mod:`web.templates` ``rules.html``, ``rule.html``, ``documents.html``,
``document.html``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuleBookDep, SessionDep
from api.errors import InvalidParameterError
from api.ogc import wants_html
from api.responses import ORJSONResponse
from gis.civil_time import today
from layers.errors import CollectionNotFoundError
from layers.screening.library import (
    citing_screenings,
    document_entry,
    document_of,
    filter_rules,
    rule_entry,
    rule_versions,
    version_on,
)
from layers.screening.rules import LoadedRuleSet, check_adcode_prefix
from layers.screening.service import resolve_rule_set
from layers.store.catalog import get_collection
from web.report import environment

router = APIRouter(tags=["rules"])

AsOfQuery = Annotated[
    date | None,
    Query(description="date of the rule set and rule versions shown (default today)"),
]
FormatQuery = Annotated[
    str | None,
    Query(pattern="^(json|html)$", description="json (default) or html (a page in Chinese)"),
]
RuleIdPath = Annotated[str, Path(min_length=1, max_length=100, description="the rule's id")]
DocumentKeyPath = Annotated[
    str, Path(min_length=1, max_length=100, description="the document's key in the rule files")
]


def _rule_set_head(rules: LoadedRuleSet, as_of: date) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(),
        "rule_set": {
            "id": rules.id,
            "version": rules.version,
            "valid_from": rules.valid_from.isoformat(),
        },
    }


def _rule_set_on(
    session: SessionDep, book: RuleBookDep, as_of: date | None
) -> tuple[date, LoadedRuleSet]:
    """The day asked (default today) and the rule set in force on it."""
    day = as_of or today()
    return day, resolve_rule_set(session, book, day)


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A library page; links are relative to the service's root path."""
    root = request.scope.get("root_path", "")
    html = (
        environment()
        .get_template(template)
        .render(root=root, static_href=f"{root}/static", **context)
    )
    return HTMLResponse(html, headers={"Vary": "Accept"})


def _json(body: dict[str, Any]) -> ORJSONResponse:
    return ORJSONResponse(body, headers={"Vary": "Accept"})


@router.get("/rules", operation_id="rules-list_rules", response_class=ORJSONResponse)
def list_rules(
    request: Request,
    session: SessionDep,
    book: RuleBookDep,
    jurisdiction: Annotated[
        str | None,
        Query(
            max_length=6,
            description="an adcode (32, 3207, 320281): the rules that apply there, national "
            "rules included",
        ),
    ] = None,
    document: Annotated[
        str | None, Query(max_length=100, description="a document key (see GET /documents)")
    ] = None,
    collection: Annotated[
        str | None,
        Query(max_length=100, description="rules that read this collection (layer, via, within)"),
    ] = None,
    as_of: AsOfQuery = None,
    f: FormatQuery = None,  # noqa: ARG001 - read by wants_html
) -> Response:
    """The rule versions in force on `as_of` in the rule set in force then, filtered.

    Each rule carries its citation, validity, jurisdiction and its layer and predicate
    in words (`predicate_text`, `applies_text`).
    """
    if jurisdiction is not None:
        try:
            check_adcode_prefix(jurisdiction)
        except ValueError as exc:
            raise InvalidParameterError(str(exc), field="jurisdiction") from None
    if collection is not None:
        try:
            get_collection(collection)
        except CollectionNotFoundError as exc:
            raise InvalidParameterError(exc.detail, field="collection") from None
    day, rules = _rule_set_on(session, book, as_of)
    if document is not None and document not in rules.documents:
        raise InvalidParameterError(
            f"Unknown document '{document}'. Known documents: {', '.join(rules.documents)}.",
            field="document",
        )
    found = filter_rules(
        rules, day, jurisdiction=jurisdiction, document=document, collection=collection
    )
    entries = [rule_entry(rule, rules, day) for rule in found]
    body = {**_rule_set_head(rules, day), "numberReturned": len(entries), "rules": entries}
    if wants_html(request):
        filters = {"jurisdiction": jurisdiction, "document": document, "collection": collection}
        return _page(request, "rules.html", body=body, filters=filters)
    return _json(body)


@router.get("/rules/{rule_id}", operation_id="rules-get_rule", response_class=ORJSONResponse)
def get_rule(
    request: Request,
    rule_id: RuleIdPath,
    session: SessionDep,
    book: RuleBookDep,
    as_of: AsOfQuery = None,
    f: FormatQuery = None,  # noqa: ARG001 - read by wants_html
) -> Response:
    """One rule: its version in force on `as_of`, all its versions, the screenings citing it.

    The version shown is the one in force on `as_of`, else the latest that started
    before it, else the first (`in_force` says which). `screenings` are the 20 most
    recent stored screenings in which the rule was DENY, REQUIRE, FLAG or NOT_CHECKED,
    with a link to their report. An id unknown to the rule set in force is a 404.
    """
    day, rules = _rule_set_on(session, book, as_of)
    versions = rule_versions(rules, rule_id)
    shown = version_on(versions, day)
    root = request.scope.get("root_path", "")
    screenings = [
        {**s, "report": f"{root}/screenings/{s['id']}/report"}
        for s in citing_screenings(session, rule_id)
    ]
    body = {
        **_rule_set_head(rules, day),
        **rule_entry(shown, rules, day),
        "versions": [
            {
                "key": v.key,
                "title": v.title,
                "outcome": v.outcome,
                "valid_from": v.valid_from.isoformat() if v.valid_from else None,
                "valid_to": v.valid_to.isoformat() if v.valid_to else None,
                "in_force": v.in_force(day),
            }
            for v in versions
        ],
        "screenings": screenings,
    }
    if wants_html(request):
        doc = rules.documents.get(shown.document) if shown.document else None
        document = (
            document_entry(shown.document, doc, rules, day) if doc and shown.document else None
        )
        return _page(request, "rule.html", rule=body, document=document)
    return _json(body)


@router.get("/documents", operation_id="rules-list_documents", response_class=ORJSONResponse)
def list_documents(
    request: Request,
    session: SessionDep,
    book: RuleBookDep,
    as_of: AsOfQuery = None,
    f: FormatQuery = None,  # noqa: ARG001 - read by wants_html
) -> Response:
    """The source documents of the rule set in force on `as_of`, with their rule counts."""
    day, rules = _rule_set_on(session, book, as_of)
    documents = [document_entry(key, doc, rules, day) for key, doc in rules.documents.items()]
    body = {**_rule_set_head(rules, day), "documents": documents}
    if wants_html(request):
        return _page(request, "documents.html", body=body)
    return _json(body)


@router.get("/documents/{key}", operation_id="rules-get_document", response_class=ORJSONResponse)
def get_document(
    request: Request,
    key: DocumentKeyPath,
    session: SessionDep,
    book: RuleBookDep,
    as_of: AsOfQuery = None,
    f: FormatQuery = None,  # noqa: ARG001 - read by wants_html
) -> Response:
    """One source document and every rule version of the rule set that cites it."""
    day, rules = _rule_set_on(session, book, as_of)
    doc = document_of(rules, key)
    body = {
        **_rule_set_head(rules, day),
        **document_entry(key, doc, rules, day),
        "rules": [rule_entry(r, rules, day) for r in rules.rules if r.document == key],
    }
    if wants_html(request):
        return _page(request, "document.html", document=body)
    return _json(body)
