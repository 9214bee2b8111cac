"""Feature ETags: the SQL expression that computes them, and RFC 9110 entity-tag matching.

A feature's ETag is the md5 of its stored row's text form. The single-feature read
(:func:`layers.reads.fastread.feature_by_id`) and the edits' ``If-Match`` check
(:mod:`layers.ingest.edits`) both compute it with :func:`row_etag_sql`, so the tag a client
reads is the one a write compares against.
"""

from __future__ import annotations

import re

# An entity-tag (RFC 9110 §8.8.3): an optional weakness indicator and a quoted opaque tag,
# which may itself contain commas, so a list is not split on commas.
_ENTITY_TAG = re.compile(r'(W/)?("[^"]*")')


def row_etag_sql(row: str) -> str:
    """The SQL expression of a stored feature row's ETag value (an unquoted md5 hex digest).

    Args:
        row: the table name or alias the row is selected as; a catalogue identifier,
            never user input.
    """
    return f"md5(CAST({row} AS TEXT))"


def etag_matches(field_value: str, etag: str, *, weak: bool) -> bool:
    """Whether an ``If-Match`` or ``If-None-Match`` field value matches ``etag``.

    ``*`` matches any current representation. Otherwise the value is a list of
    entity-tags; strong comparison (``weak=False``, which RFC 9110 §13.1.1 requires for
    ``If-Match``) matches only two equal *strong* tags, weak comparison (``weak=True``,
    for ``If-None-Match``, §13.1.2) ignores a ``W/`` prefix on either side. Anything that
    is not a quoted entity-tag matches nothing.

    Args:
        field_value: the request header's value.
        etag: the representation's current ETag, quoted, possibly with ``W/``.
        weak: use the weak comparison function instead of the strong one.
    """
    if field_value.strip() == "*":
        return True
    mine_weak = etag.startswith("W/")
    mine = etag.removeprefix("W/")
    if mine_weak and not weak:
        return False
    return any(
        opaque == mine and (weak or not their_weak)
        for their_weak, opaque in _ENTITY_TAG.findall(field_value)
    )
