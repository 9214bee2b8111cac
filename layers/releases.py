"""Releases: listing, "as of" selection and retirement."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from layers.catalog import get_collection
from layers.errors import InvalidDateRangeError, ReleaseNotFoundError
from layers.models import Release


def list_releases(session: Session, collection_id: str | None = None) -> list[Release]:
    """All releases, per collection, newest validity first."""
    stmt = select(Release).order_by(
        Release.collection, Release.valid_from.desc(), Release.id.desc()
    )
    if collection_id is not None:
        get_collection(collection_id)
        stmt = stmt.where(Release.collection == collection_id)
    return list(session.scalars(stmt))


def release_as_of(session: Session, collection_id: str, as_of: date) -> Release | None:
    """The release of a collection in force on ``as_of``.

    A release is in force from its ``valid_from`` until its ``valid_to`` (exclusive,
    open when null). When several are, the one that started latest wins: a newer
    release supersedes an older one without the older being edited.
    """
    stmt = (
        select(Release)
        .where(
            Release.collection == collection_id,
            Release.valid_from <= as_of,
            or_(Release.valid_to.is_(None), Release.valid_to > as_of),
        )
        .order_by(Release.valid_from.desc(), Release.imported_at.desc(), Release.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def get_release(session: Session, collection_id: str, name: str) -> Release:
    """The release of a collection with this name.

    Raises:
        ReleaseNotFoundError: there is none.
    """
    release = session.scalars(
        select(Release).where(Release.collection == collection_id, Release.name == name)
    ).first()
    if release is None:
        raise ReleaseNotFoundError(
            f"No release '{name}' in collection '{collection_id}'.", field="release"
        )
    return release


def retire_release(session: Session, collection_id: str, name: str, valid_to: date) -> Release:
    """Close a release's validity at ``valid_to`` (its features stay, for history).

    Raises:
        ReleaseNotFoundError: no release ``name`` in the collection.
        InvalidDateRangeError: ``valid_to`` is not after the release's ``valid_from``.
    """
    release = get_release(session, collection_id, name)
    if valid_to <= release.valid_from:
        raise InvalidDateRangeError(
            f"valid_to {valid_to} must be after the release's valid_from {release.valid_from}.",
            field="valid_to",
        )
    release.valid_to = valid_to
    session.commit()
    return release
