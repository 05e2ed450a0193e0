"""The example API's documents in SQLite: a private file, seeded once with the samples."""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop_auth.demo_api.samples import SAMPLE_DOCUMENTS
from desktop_auth.securefiles import FILE_MODE, ensure_private_dir

STORE_FILENAME = "documents.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    area TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT
);
-- One row once the samples went in: documents the users deleted do not come back.
CREATE TABLE IF NOT EXISTS seeded (id INTEGER PRIMARY KEY CHECK (id = 1));
"""


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Document:
    """A stored document; ``updated_at`` is RFC 3339 UTC, ``updated_by`` a username."""

    id: int
    title: str
    area: str
    body: str
    updated_at: str
    updated_by: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "area": self.area,
            "body": self.body,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
        }


class DocumentStore:
    """Documents in ``path`` (0600, its folder 0700). Thread-safe: one connection, one lock
    (the API's few writes and small reads do not need more)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        ensure_private_dir(self.path.parent)
        # Created 0600 before SQLite opens it; its -wal and -shm files take the same mode.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        os.fchmod(fd, FILE_MODE)
        os.close(fd)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            self._seed()

    @classmethod
    def in_dir(cls, directory: Path) -> DocumentStore:
        return cls(Path(directory) / STORE_FILENAME)

    def _seed(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if self._db.execute("SELECT 1 FROM seeded").fetchone() is None:
                self._db.executemany(
                    "INSERT INTO documents (title, area, body, updated_at, updated_by) "
                    "VALUES (?, ?, ?, ?, NULL)",
                    [(s.title, s.area, s.body, f"{s.updated}T09:00:00Z") for s in SAMPLE_DOCUMENTS],
                )
                self._db.execute("INSERT INTO seeded (id) VALUES (1)")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def list(self) -> list[Document]:
        """Every document, the most recently updated first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM documents ORDER BY updated_at DESC, id DESC"
            ).fetchall()
        return [Document(**dict(row)) for row in rows]

    def get(self, document_id: int) -> Document | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM documents WHERE id = ?", (document_id,)
            ).fetchone()
        return Document(**dict(row)) if row is not None else None

    def create(self, title: str, area: str, body: str, by: str) -> Document:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO documents (title, area, body, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?, ?)",
                (title, area, body, now_rfc3339(), by),
            )
            document_id = cursor.lastrowid
        assert document_id is not None
        created = self.get(document_id)
        assert created is not None
        return created

    def update(
        self, document_id: int, title: str, area: str, body: str, by: str
    ) -> Document | None:
        """The updated document; None when there is none with that id."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE documents SET title = ?, area = ?, body = ?, updated_at = ?, "
                "updated_by = ? WHERE id = ?",
                (title, area, body, now_rfc3339(), by, document_id),
            )
            changed = cursor.rowcount
        return self.get(document_id) if changed else None

    def delete(self, document_id: int) -> bool:
        """Whether there was a document with that id to delete."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
            return cursor.rowcount > 0

    def close(self) -> None:
        with self._lock:
            self._db.close()
