"""Authorization codes: single use, short-lived, bound to client and PKCE challenge."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from desktop_auth.server import outbox
from desktop_auth.server.hashing import digest
from desktop_auth.server.models import AuthorizationCode, Client, User, table_of, utcnow
from desktop_auth.server.tokens import revoke_family

# Built once: building a statement costs more than running it.
_INSERT_CODE = table_of(AuthorizationCode).insert()
_CLAIM_CODE = (
    update(AuthorizationCode)
    .where(
        AuthorizationCode.code_hash == bindparam("b_code_hash"),
        AuthorizationCode.client_id == bindparam("b_client_id"),
        AuthorizationCode.used_at.is_(None),
        AuthorizationCode.expires_at > bindparam("now"),
    )
    .values(used_at=bindparam("now"))
    .returning(AuthorizationCode)
)


def issue_code(
    session: Session,
    *,
    client: Client,
    user: User,
    scope: str,
    code_challenge: str,
    code_challenge_method: str,
    lifetime: int,
    redirect_uri: str | None = None,
    nonce: str | None = None,
    code: str | None = None,
) -> str:
    """Add a new code to ``session`` and return it (only its digest is stored)."""
    value = code or secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(
        _INSERT_CODE,
        {
            "code_hash": digest(value),
            "client_id": client.client_id,
            "user_id": user.id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "nonce": nonce,
            "code_challenge": code_challenge,
            "code_challenge_method": code_challenge_method,
            "auth_time": int(now.timestamp()),
            "family_id": str(uuid.uuid4()),
            "expires_at": now + timedelta(seconds=lifetime),
        },
    )
    return value


def redeem_code(session: Session, code: str, client_id: str) -> AuthorizationCode | None:
    """Claim ``code`` for ``client_id`` exactly once; a replay revokes what it was exchanged for.

    Commits on its own: a claimed code stays spent even if the rest of the request fails.
    """
    now = utcnow()
    code_hash = digest(code)
    claimed: AuthorizationCode | None = session.scalar(
        _CLAIM_CODE,
        {"b_code_hash": code_hash, "b_client_id": client_id, "now": now},
        execution_options={"synchronize_session": False},
    )
    if claimed is not None:
        session.commit()
        return claimed
    row = session.scalar(select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash))
    replayed = row is not None and row.used_at is not None and row.client_id == client_id
    # RFC 6749 §4.1.2: a code used twice means it leaked; revoke its tokens.
    if replayed and row is not None and revoke_family(session, row.family_id):
        outbox.record(
            session,
            "token_revoked",
            {
                "client_id": client_id,
                "user_id": row.user_id,
                "reason": "authorization code replay",
            },
        )
    session.commit()
    return None
