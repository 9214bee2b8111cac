"""API keys (stored hashed), roles, and the audit log of writes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.errors import InvalidRoleError
from layers.store.models import ROLES, ApiKey, AuditEntry

_RANK = {role: i for i, role in enumerate(ROLES)}


def role_allows(held: str, needed: str) -> bool:
    """True when a key with role ``held`` may do what needs ``needed`` (admin ⊃ editor ⊃ viewer)."""
    return _RANK.get(held, -1) >= _RANK[needed]


def _hash(plaintext: str) -> str:
    # Keys are 256-bit random tokens, so a fast hash is enough: there is nothing to
    # brute-force, and a slow KDF would cost every request.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_key(session: Session, role: str, name: str) -> tuple[ApiKey, str]:
    """Create a key; return it and its plaintext (shown once, never stored).

    Raises:
        InvalidRoleError: ``role`` is not one of viewer, editor, admin.
    """
    if role not in ROLES:
        raise InvalidRoleError(f"role '{role}' is not one of {', '.join(ROLES)}.", field="role")
    prefix = secrets.token_hex(4)
    plaintext = f"ez_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(prefix=prefix, key_hash=_hash(plaintext), role=role, name=name)
    session.add(key)
    session.commit()
    return key, plaintext


def authenticate(session: Session, plaintext: str) -> ApiKey | None:
    """The live key matching ``plaintext``, or None."""
    parts = plaintext.split("_")
    if len(parts) < 3 or parts[0] != "ez":
        return None
    candidates = session.scalars(
        select(ApiKey).where(ApiKey.prefix == parts[1], ApiKey.revoked_at.is_(None))
    )
    digest = _hash(plaintext)
    for key in candidates:
        if hmac.compare_digest(key.key_hash, digest):
            return key
    return None


def revoke_key(session: Session, key_id: int) -> ApiKey | None:
    """Revoke a key by id (it stays listed, for the audit log)."""
    key = session.get(ApiKey, key_id)
    if key is not None and key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        session.commit()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, newest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def record(
    session: Session,
    key: ApiKey | None,
    action: str,
    target: str,
    *,
    before: list[Any] | None = None,
    after: list[Any] | None = None,
    detail: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the session (the caller's unit of work commits it)."""
    entry = AuditEntry(
        key_id=key.id if key else None,
        actor=f"{key.name} (key {key.prefix}, {key.role})" if key else "cli",
        action=action,
        target=target,
        before_ids=before or [],
        after_ids=after or [],
        detail=detail or {},
        request_id=request_id,
    )
    session.add(entry)
    session.flush()
    return entry


def list_audit(session: Session, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """Audit entries, newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))
