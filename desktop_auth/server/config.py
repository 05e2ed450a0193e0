"""Server configuration: one frozen object, read from the data dir and the environment."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from desktop_auth.securefiles import ensure_private_dir, write_private_file

CONFIG_FILE = "server.json"
DATABASE_FILE = "server.sqlite3"
# A shorter metrics token could be guessed (GET /metrics is not throttled).
MIN_METRICS_TOKEN_LENGTH = 32


class ConfigError(ValueError):
    """A setting the server cannot work with; the message says which and what to do."""


@dataclass(frozen=True)
class ServerConfig:
    """Everything the identity server needs to know; tests build it directly."""

    data_dir: Path
    issuer: str = "http://127.0.0.1:8765"
    database_url: str = ""
    # Lifetimes, in seconds.
    code_lifetime: int = 60
    access_token_lifetime: int = 600
    id_token_lifetime: int = 600
    refresh_token_lifetime: int = 30 * 24 * 3600
    # Sign-in on another device (RFC 8628): how long a device code and its user code live,
    # and how often the device may poll for the outcome (slow_down adds 5 s each time).
    device_code_lifetime: int = 600
    device_poll_interval: int = 5
    # Throttling (ASVS 2.2.1): per account name and per client address.
    account_free_failures: int = 5
    account_base_delay: float = 1.0
    account_max_delay: float = 3600.0
    account_max_failures_per_hour: int = 100
    ip_max_failures: int = 100
    ip_window: int = 15 * 60
    # Outbox delivery of login side effects.
    outbox_poll_interval: float = 0.5
    # After a commit wakes the worker, it waits this long before claiming, so that events
    # recorded close together (a busy server) are claimed and recorded in one round each.
    outbox_batch_delay: float = 0.05
    # How long a claimed event stays claimed; renewed before each receiver, so a process that
    # dies holds its events for at most this long.
    outbox_lease: float = 10.0
    outbox_max_attempts: int = 12
    outbox_retry_base: float = 1.0
    outbox_retry_max: float = 300.0
    webhook_timeout: float = 5.0
    # Each process reads the shared signing keys again this often (a rotation reaches it).
    signing_key_reload_interval: float = 60.0
    # Trust X-Forwarded-For / -Proto from this many proxies (0: none).
    trusted_proxies: int = 0
    # The connection pool of each process on a database server (PostgreSQL; SQLite has none):
    # up to database_pool_size connections kept open, database_max_overflow more opened under
    # load, a request waits database_pool_timeout seconds for one before failing, and
    # connections are replaced after database_pool_recycle seconds (-1: never).
    database_pool_size: int = 5
    database_max_overflow: int = 10
    database_pool_timeout: float = 30.0
    database_pool_recycle: int = 1800
    # /readyz answers 503 when its database checks take longer than this (seconds).
    readiness_timeout: float = 2.0
    # 'prune' deletes audit entries older than this many days (0: keeps them all).
    audit_retention_days: int = 365
    # GET /metrics answers only requests with "Authorization: Bearer <this>"; empty: 404.
    metrics_token: str = ""
    mail_from: str = "desktop-auth <no-reply@localhost>"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, lowest in (
            ("database_pool_size", 1),
            ("database_max_overflow", 0),
            ("database_pool_timeout", 0),
            ("database_pool_recycle", -1),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < lowest:
                raise ConfigError(f"{name} in {CONFIG_FILE} must be a number of at least {lowest}")
        if self.metrics_token and len(self.metrics_token) < MIN_METRICS_TOKEN_LENGTH:
            raise ConfigError(
                f"metrics_token in {CONFIG_FILE} must be at least {MIN_METRICS_TOKEN_LENGTH} "
                "characters, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / DATABASE_FILE}"

    @property
    def database_pool(self) -> dict[str, Any]:
        """SQLAlchemy's pool arguments from the ``database_pool_*`` settings."""
        return {
            "pool_size": self.database_pool_size,
            "max_overflow": self.database_max_overflow,
            "pool_timeout": self.database_pool_timeout,
            "pool_recycle": self.database_pool_recycle,
        }

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    def with_issuer(self, issuer: str) -> ServerConfig:
        return replace(self, issuer=issuer.rstrip("/"))


def load_config(data_dir: Path, **overrides: Any) -> ServerConfig:
    """Read ``server.json`` in ``data_dir`` (if any), then ``$DATABASE_URL``, then overrides."""
    data_dir = Path(data_dir).resolve()
    values: dict[str, Any] = {}
    path = data_dir / CONFIG_FILE
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(stored, dict):
            raise ValueError(f"{path} must hold a JSON object")
        known = set(ServerConfig.__dataclass_fields__) - {"data_dir"}
        values.update({k: v for k, v in stored.items() if k in known})
    if os.environ.get("DATABASE_URL"):
        values["database_url"] = os.environ["DATABASE_URL"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    config = ServerConfig(data_dir=data_dir, **values)
    return config.with_issuer(config.issuer)


def stored_issuer(data_dir: Path) -> str | None:
    """The issuer fixed by ``init --issuer``, if any."""
    path = data_dir / CONFIG_FILE
    if not path.exists():
        return None
    stored = json.loads(path.read_text(encoding="utf-8"))
    issuer = stored.get("issuer") if isinstance(stored, dict) else None
    return str(issuer) if issuer else None


def save_config(config: ServerConfig, store_issuer: bool = True) -> None:
    """Write the settings that differ from the defaults to ``server.json`` (0600).

    Without a stored issuer, ``run`` uses ``http://HOST:PORT`` of wherever it listens.
    """
    ensure_private_dir(config.data_dir)
    defaults = asdict(ServerConfig(data_dir=config.data_dir))
    current = asdict(config)
    changed = {
        k: v
        for k, v in current.items()
        if k not in ("data_dir", "database_url") and v != defaults[k]
    }
    changed.pop("issuer", None)
    if store_issuer:
        changed["issuer"] = config.issuer
    write_private_file(
        config.data_dir / CONFIG_FILE,
        (json.dumps(changed, indent=2, sort_keys=True) + "\n").encode(),
    )
