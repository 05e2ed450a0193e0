"""The server's own receivers of its signals: last login, audit, welcome mail, webhooks."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from flask import Flask
from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError

from desktop_auth.securefiles import create_private_file_once
from desktop_auth.server import signals
from desktop_auth.server.models import AuditEntry, User, Webhook, WebhookDelivery, table_of
from desktop_auth.server.signals import AuthEvent
from desktop_auth.server.state import server_state
from desktop_auth.server.webhooks import WebhookDeliveryError, post_event

log = logging.getLogger(__name__)


# Built once: every event runs them, and building a statement costs more than running it.
_users = table_of(User)
_LAST_LOGIN = (
    _users.update()
    .where(
        _users.c.id == bindparam("user_id"),
        or_(_users.c.last_login_at.is_(None), _users.c.last_login_at < bindparam("at")),
    )
    .values(last_login_at=bindparam("at"))
)
_AUDIT = table_of(AuditEntry).insert()
_HOOKS = select(Webhook.id, Webhook.url, Webhook.secret)


def update_last_login(sender: Flask, event: AuthEvent, **_: Any) -> None:
    user_id = event.payload["user_id"]
    with server_state(sender).db.transaction() as db:
        db.execute(_LAST_LOGIN, {"user_id": user_id, "at": event.occurred_at})


def append_audit(sender: Flask, event: AuthEvent, **_: Any) -> None:
    payload = dict(event.payload)
    entry = {
        "event_key": event.key,
        "ts": event.occurred_at,
        "event": event.name,
        "username": payload.pop("username", None),
        "client_id": payload.pop("client_id", None),
        "ip": payload.pop("ip", None),
        "detail": payload,
    }
    try:
        with server_state(sender).db.transaction() as db:
            db.execute(_AUDIT, entry)
    except IntegrityError:
        # Already audited by an earlier delivery of the same event.
        log.debug("audit entry %s already present", event.key)


def send_welcome_mail(sender: Flask, event: AuthEvent, **_: Any) -> None:
    if not event.payload.get("first_login"):
        return
    state = server_state(sender)
    with state.db.session() as session:
        user = session.get(User, event.payload["user_id"])
        if user is None or not user.email:
            return
        to, name = user.email, user.display_name or user.username
    message = EmailMessage()
    message["From"] = state.config.mail_from
    message["To"] = to
    message["Subject"] = "Welcome to desktop-auth"
    message["Date"] = format_datetime(event.occurred_at)
    message["Message-ID"] = make_msgid(idstring=event.key)
    message.set_content(
        f"Hello {name},\n\nyou have just signed in for the first time at {state.config.issuer}.\n"
        "If this was not you, tell your administrator.\n"
    )
    # Named by the event key: a redelivery finds the file and writes nothing.
    create_private_file_once(state.config.outbox_dir / f"welcome-{event.key}.eml", bytes(message))


def post_webhooks(sender: Flask, event: AuthEvent, **_: Any) -> None:
    state = server_state(sender)
    with state.db.transaction() as db:
        hooks = db.execute(_HOOKS).all()
        if not hooks:
            return
        sent = set(
            db.scalars(
                select(WebhookDelivery.webhook_id).where(WebhookDelivery.event_key == event.key)
            )
        )
    failures: list[str] = []
    for hook_id, url, secret in hooks:
        if hook_id in sent:
            continue
        try:
            post_event(url, secret, event, state.config.webhook_timeout)
        except WebhookDeliveryError as exc:
            failures.append(str(exc))
            continue
        with state.db.session() as session:
            session.add(WebhookDelivery(webhook_id=hook_id, event_key=event.key))
    if failures:
        raise WebhookDeliveryError("; ".join(failures))


def connect_default_receivers(app: Flask) -> None:
    """Connect the built-in receivers for ``app`` only (other apps in the process keep theirs)."""
    for signal in signals.SIGNALS.values():
        signal.connect(append_audit, sender=app)
        signal.connect(post_webhooks, sender=app)
    signals.user_logged_in.connect(update_last_login, sender=app)
    signals.user_logged_in.connect(send_welcome_mail, sender=app)
