"""The local activity log: append-only, hash-chained SQLite that ``log verify`` can check.

Each entry's ``hash`` is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of
``[seq, ts, event, username, issuer, detail, previous hash]``; the first entry's previous hash
is 64 zeros. The newest ``seq`` and ``hash`` are also kept in a ``head`` row updated in the
same transaction, so deleting entries from the end is detected as well as editing or deleting
any other entry.

What this does and does not protect against: the chain has no key, so it makes *accidental*
damage and *casual* edits evident (a changed field, a deleted row, a chopped-off tail). Someone
who can write the file and knows the format can rewrite every hash after a change, and the head
row with them; to catch that, keep a copy of the head hash elsewhere (``log verify`` prints it)
and compare later.

Durability: the database runs in WAL mode with ``synchronous=FULL``, so ``append`` returns only
after the WAL is fsynced; an entry survives a crash or power cut right after the event.
``NORMAL`` would survive a process crash but could lose the last commits on power loss.
``append_all`` commits several entries in one such transaction (one fsync for all of them,
which is how a burst of events keeps up); it too returns only once they are all on disk, and
a failure leaves none of them written.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import re
import sqlite3
import stat
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, TextIO

from .securefiles import FILE_MODE, ensure_private_dir, move_aside

log = logging.getLogger(__name__)

LOG_FILENAME = "activity.sqlite3"

# DESIGN.md, "Data" (contract).
EVENTS = (
    "app_started",
    "login_succeeded",
    "login_failed",
    "logged_out",
    "session_restored",
    "session_refreshed",
    "session_expired",
    "locked",
    "unlocked",
    "permission_denied",
)
EXPORT_FIELDS = ("seq", "ts", "event", "username", "issuer", "detail", "hash")
EXPORT_FORMATS = ("jsonl", "csv")
GENESIS_HASH = "0" * 64

# Detail keys that name a secret, compared lower-cased with '-' read as '_'.
SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "token",
        "code",
        "secret",
        "access_token",
        "refresh_token",
        "id_token",
        "authorization_code",
        "device_code",
        "client_secret",
        "code_verifier",
        "assertion",
    }
)
SECRET_KEY_SUFFIXES = ("_token", "_secret", "_password")
# A compact JWS/JWT (header.payload.signature) is a token whatever key it is under.
_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
MAX_DETAIL_BYTES = 16_384

DEFAULT_PAGE_SIZE = 256
SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    event TEXT NOT NULL,
    username TEXT,
    issuer TEXT,
    detail TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- One per filter the viewer offers; each also yields rows in seq (rowid) order.
CREATE INDEX IF NOT EXISTS entries_by_event ON entries (event);
CREATE INDEX IF NOT EXISTS entries_by_username ON entries (username COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS entries_by_username_event
    ON entries (username COLLATE NOCASE, event);
CREATE TABLE IF NOT EXISTS head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"""
# Version 2: the text search's index. A trigram index answers LIKE '%text%' for texts of three
# or more characters without reading every entry; it holds the username and the detail of
# each entry (a newline between them, which no search text holds, so no match spans both).
# Derived data, outside the hash chain. Appends add their entries to it in their transaction
# (``_INDEX_NEW_ENTRIES``: one statement per batch, several times faster than an insert
# trigger), which also catches up on entries a writer that does not know the index added;
# the triggers follow edits and deletions.
_TEXT_INDEX = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS entries_text
        USING fts5(text, tokenize = 'trigram', detail = 'none')""",
    """CREATE TRIGGER IF NOT EXISTS entries_text_delete AFTER DELETE ON entries BEGIN
        DELETE FROM entries_text WHERE rowid = old.seq;
    END""",
    """CREATE TRIGGER IF NOT EXISTS entries_text_update AFTER UPDATE ON entries BEGIN
        DELETE FROM entries_text WHERE rowid = old.seq;
        INSERT INTO entries_text (rowid, text)
            VALUES (new.seq, coalesce(new.username, '') || char(10) || new.detail);
    END""",
)
_INDEX_NEW_ENTRIES = """
INSERT INTO entries_text (rowid, text)
    SELECT seq, coalesce(username, '') || char(10) || detail FROM entries
    WHERE seq > coalesce((SELECT rowid FROM entries_text ORDER BY rowid DESC LIMIT 1), 0)
"""
# The shortest search the trigram index can answer, and what it cannot take (LIKE's own
# wildcards and escape, and the separator): those searches read every entry instead.
_INDEXED_TEXT_MIN = 3
_UNINDEXED_TEXT_CHARS = frozenset("%_\\\n")


_SELECT = "SELECT seq, ts, event, username, issuer, detail, hash FROM entries"
# A row of ``entries`` as written: seq, ts, event, username, issuer, detail JSON, hash.
_Row = tuple[int, str, str, str | None, str | None, str, str]
_COLUMNS = "e.seq, e.ts, e.event, e.username, e.issuer, e.detail, e.hash"


class ActivityLogError(Exception):
    """The log file cannot be opened or read, or is not an activity log."""


class NoActivityLogError(ActivityLogError):
    """There is no log file yet (nothing has been recorded in that data dir)."""


class CorruptActivityLogError(ActivityLogError):
    """The file is not an SQLite database, or a damaged or truncated one: it cannot be read,
    so (unlike a broken hash chain, which is evidence to keep) it is no use as a log.
    ``reason`` says what is wrong, in words fit to show."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path} is not a usable activity log: {reason}")
        self.reason = reason


class ActivityLogWriteError(ActivityLogError):
    """An entry could not be committed (disk full, file gone read-only, I/O error); nothing
    of it was written and every entry committed before is intact."""


# SQLite's result codes for a file that is damaged (CORRUPT) or not a database at all (NOTADB).
_CORRUPT_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Companions of the database file; they move aside with it.
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the log, as exported."""

    seq: int
    ts: str
    event: str
    username: str | None
    issuer: str | None
    detail: Mapping[str, Any]
    hash: str

    def to_json(self) -> dict[str, Any]:
        """The export shape: ``EXPORT_FIELDS`` in order, ``detail`` an object."""
        return {
            "seq": self.seq,
            "ts": self.ts,
            "event": self.event,
            "username": self.username,
            "issuer": self.issuer,
            "detail": dict(self.detail),
            "hash": self.hash,
        }


@dataclass(frozen=True)
class LogFilter:
    """Which entries to read: ``None`` matches everything. ``event`` exactly, ``username``
    in any case, ``text`` a substring (any case) of the username or the detail JSON."""

    event: str | None = None
    username: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry checked and timestamped by ``new_entry``, waiting for its ``seq`` and hash,
    which it gets when committed (``ActivityLog.append_all``)."""

    ts: str
    event: str
    username: str | None
    issuer: str | None
    detail_json: str


@dataclass(frozen=True)
class OpenedLog:
    """``ActivityLog.open_or_start_fresh``'s answer: the log, and a warning to show when the
    old file could not be read and was moved aside."""

    log: ActivityLog
    warning: str | None = None


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found. ``first_bad_seq`` is the first entry that was changed or is
    missing; ``reason`` says how, in words fit to print."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_hash: str | None = None


# One encoder for every entry: json.dumps with these options would build a new one per call,
# which is a good part of what the recorder's worker spends on an event.
_CANONICAL_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: object) -> str:
    return _CANONICAL_ENCODER.encode(value)


def entry_hash(
    seq: int,
    ts: str,
    event: str,
    username: str | None,
    issuer: str | None,
    detail: Mapping[str, Any] | str,
    previous_hash: str,
) -> str:
    """The chain hash of one entry; ``detail`` may be given as its canonical JSON text.

    Concatenating canonical pieces gives exactly ``canonical_json([seq, ..., previous_hash])``
    without re-parsing the stored detail, which keeps ``verify`` fast on big logs.
    """
    if type(seq) is not int:
        raise TypeError(f"seq must be an integer, not {seq!r}")
    detail_json = detail if isinstance(detail, str) else canonical_json(detail)
    text = (
        f"[{seq},{_json_string(ts)},{_json_string(event)},{_json_string(username)},"
        f"{_json_string(issuer)},{detail_json},{_json_string(previous_hash)}]"
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_string(value: str | None) -> str:
    """``canonical_json(value)`` for a string or None, without json.dumps's per-call set-up."""
    if value is None:
        return "null"
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {value!r}")
    return encode_basestring(value)


def check_no_secrets(detail: object, where: str = "detail") -> None:
    """Raise ``ValueError`` if ``detail`` has a key that names a secret or holds a JWT."""
    # dict first: an isinstance check against the Mapping ABC alone is several times slower,
    # and the recorder checks every event.
    if isinstance(detail, dict | Mapping):
        for key, value in detail.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} keys must be strings, not {key!r}")
            name = key.lower().replace("-", "_")
            if name in SECRET_KEYS or name.endswith(SECRET_KEY_SUFFIXES):
                raise ValueError(
                    f"refusing to log {where}[{key!r}]: the activity log never holds a "
                    "password, token or code"
                )
            # A plain string (the common value) is cleared here, without a path made for it.
            if not isinstance(value, str) or _JWT.match(value):
                check_no_secrets(value, f"{where}[{key!r}]")
    elif isinstance(detail, list | tuple):
        for index, value in enumerate(detail):
            check_no_secrets(value, f"{where}[{index}]")
    elif isinstance(detail, str) and _JWT.match(detail):
        raise ValueError(f"refusing to log {where}: it looks like a token")


def utc_timestamp(moment: datetime | None = None) -> str:
    """RFC 3339 in UTC with microseconds and a ``Z``, e.g. 2025-01-31T12:00:00.000000Z."""
    if moment is None:
        # The recorder stamps every event: isoformat is a few times faster than strftime and
        # gives the same text for the present (a four-digit year, "+00:00" for UTC).
        return datetime.now(UTC).isoformat(timespec="microseconds")[:-6] + "Z"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_entry(
    event: str,
    username: str | None = None,
    issuer: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> NewEntry:
    """Check an entry and stamp it with the time now, ready for ``ActivityLog.append_all``.

    ``ValueError`` for an unknown event, a detail that is not JSON or is too big, or a
    detail that looks like it holds a secret (DESIGN.md: never a password, token or code).
    """
    if event not in EVENTS:
        raise ValueError(f"unknown activity event {event!r}; expected one of {EVENTS}")
    for name, value in (("username", username), ("issuer", issuer)):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a string or None")
    detail = dict(detail or {})
    check_no_secrets(detail)
    try:
        detail_json = canonical_json(detail)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"detail is not plain JSON: {exc}") from exc
    # At most 4 bytes a character: only a long text needs encoding to be measured.
    if len(detail_json) * 4 > MAX_DETAIL_BYTES and len(detail_json.encode()) > MAX_DETAIL_BYTES:
        raise ValueError(f"detail is larger than {MAX_DETAIL_BYTES} bytes")
    return NewEntry(utc_timestamp(), event, username, issuer, detail_json)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _indexed_text(text: str) -> bool:
    """Whether the trigram index can answer a search for ``text``."""
    return len(text) >= _INDEXED_TEXT_MIN and _UNINDEXED_TEXT_CHARS.isdisjoint(text)


@dataclass(frozen=True)
class _Filter:
    """The SQL of a filter: rows ``FROM source WHERE clauses``, ``key`` their seq (the
    column to order and seek by: the index's own rowid when it drives the query, so that
    SQLite reads it newest first and stops after a page)."""

    source: str
    key: str
    clauses: list[str]
    params: list[object]

    def where(self) -> str:
        return f"WHERE {' AND '.join(self.clauses)}" if self.clauses else ""


def _where(
    event: str | None, username: str | None, text: str | None, *, text_index: bool = False
) -> _Filter:
    """The SQL for the filters, on ``entries`` as ``e``. Only these constant fragments ever
    reach the SQL text (values are bound parameters), which is why the queries built from
    them are safe.

    With ``text_index`` (the log has one) a text search of three or more plain characters
    goes through the trigram index; otherwise it reads every entry."""
    source, key = "entries e", "e.seq"
    clauses: list[str] = []
    params: list[object] = []
    if event:
        clauses.append("e.event = ?")
        params.append(event)
    if username:
        clauses.append("e.username = ? COLLATE NOCASE")
        params.append(username)
    if text and text_index and _indexed_text(text):
        source, key = "entries_text t CROSS JOIN entries e ON e.seq = t.rowid", "t.rowid"
        clauses.append("t.text LIKE ?")
        params.append(f"%{text}%")
    elif text:
        pattern = _like_pattern(text)
        clauses.append("(e.username LIKE ? ESCAPE '\\' OR e.detail LIKE ? ESCAPE '\\')")
        params.extend((pattern, pattern))
    return _Filter(source, key, clauses, params)


def _json_line(row: tuple[Any, ...]) -> str:
    """One JSON-lines record, fields in ``EXPORT_FIELDS`` order, assembled from the stored
    canonical pieces (a million json.dumps calls would make exports several times slower)."""
    seq, ts, event, username, issuer, detail, hash_ = row
    try:
        json.loads(detail)
    except (TypeError, ValueError):
        detail = _json_string(str(detail))  # a damaged row still exports as valid JSON
    return (
        f'{{"seq":{int(seq)},"ts":{_json_string(ts)},"event":{_json_string(event)},'
        f'"username":{_json_string(username)},"issuer":{_json_string(issuer)},'
        f'"detail":{detail},"hash":{_json_string(hash_)}}}\n'
    )


def _entry(row: tuple[Any, ...]) -> Entry:
    seq, ts, event, username, issuer, detail, hash_ = row
    return Entry(seq, ts, event, username, issuer, json.loads(detail), hash_)


def _suspect_header(path: Path) -> str | None:
    """Why the file looks damaged from its first 100 bytes, or None: not SQLite, or shorter
    than its own header says (cut off by a full disk, a failed copy, a broken file system).

    SQLite itself notices a cut-off file only when it reads a missing page, which may be
    long after start-up; this costs one small read. It is only a suspicion: another process
    may be in the middle of a checkpoint (page 1 is written before the pages that extend
    the file), so ``ActivityLog`` confirms it with SQLite's own check.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
            size = os.fstat(handle.fileno()).st_size
    except FileNotFoundError:
        return None
    if not header:
        return None  # a new, empty file: SQLite writes the header with the first transaction
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        return "it is not an SQLite database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count is valid only while the "version valid for" number matches the change
    # counter (older writers did not keep it up to date).
    if header[92:96] == header[24:28] and size < pages * page_size:
        return f"it is cut off: {size} of its {pages * page_size} bytes are there"
    return None


def _database_error(path: Path, exc: sqlite3.DatabaseError) -> ActivityLogError:
    """Our error for an SQLite one: corrupt files apart from everything else."""
    if getattr(exc, "sqlite_errorcode", None) in _CORRUPT_CODES:
        return CorruptActivityLogError(path, f"the file is damaged ({exc})")
    return ActivityLogError(f"{path} is not a usable activity log: {exc}")


def _create_private_file(path: Path) -> None:
    """Create ``path`` 0600 if missing (so SQLite's -wal and -shm copy that mode); tighten it
    if an existing file is looser."""
    if not path.parent.exists():
        ensure_private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


class ActivityLog:
    """The activity log at ``path`` (normally ``DATA_DIR/activity.sqlite3``).

    Safe to share between threads: writes go through one connection and reads through
    another, each behind its own lock, so a slow search never delays an append (WAL lets
    readers and the writer run at once). Other processes may append too: each append takes
    SQLite's write lock before reading the previous hash.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """Open (or create) the log; ``CorruptActivityLogError`` if the file is damaged,
        ``ActivityLogError`` if it cannot be used for another reason (read-only, say).

        ``read_only``: open an existing log on a medium nobody can write (a read-only data
        dir, a backup), to read, export and verify it; ``append`` then refuses.
        """
        self.path = path
        self.read_only = read_only
        suspicion = _suspect_header(path)
        connections: list[sqlite3.Connection] = []
        try:
            if not read_only:
                _create_private_file(path)
            connections.append(self._connect())
            self._writer = connections[0]
            if not read_only:
                self._writer.executescript(_SCHEMA)
                self._migrate()
            self._text_index = self._has_text_index()
            # What every append reads: the head row and the newest leaf of the entries.
            self._writer.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
            self._writer.execute("SELECT max(seq) FROM entries").fetchone()
            if suspicion is not None:
                # Rare (see _suspect_header), so the whole-file check is affordable here.
                problems = self._writer.execute("PRAGMA quick_check").fetchall()
                if problems != [("ok",)]:
                    raise CorruptActivityLogError(path, suspicion)
            connections.append(self._connect())
            self._reader = connections[1]
        except sqlite3.DatabaseError as exc:
            for connection in connections:
                connection.close()
            error = _database_error(path, exc)
            if suspicion is not None and isinstance(error, CorruptActivityLogError):
                error = CorruptActivityLogError(path, suspicion)
            raise error from exc
        except CorruptActivityLogError:
            for connection in connections:
                connection.close()
            raise
        except OSError as exc:
            raise ActivityLogError(
                f"cannot open the activity log {path}: {exc.strerror or exc}"
            ) from exc
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()

    @classmethod
    def open_or_start_fresh(cls, path: Path) -> OpenedLog:
        """Open the log at ``path``; if the file is damaged (``CorruptActivityLogError``),
        move it (and its -wal and -shm) aside to ``<name>.corrupt-<UTC timestamp>`` and start
        a new log there. The warning in the answer says so, naming both files.

        A log whose hash chain is broken opens normally: that is evidence, kept in place
        (``verify`` reports it). Other errors (a read-only data dir) are raised.
        """
        try:
            return OpenedLog(cls(path))
        except CorruptActivityLogError as exc:
            aside = move_aside(path, _SQLITE_COMPANIONS)
            warning = (
                f"The activity log {path} could not be read ({exc.reason}). It was kept as "
                f"{aside.name} and a new activity log was started."
            )
            log.warning("%s", warning)
            return OpenedLog(cls(path), warning)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ActivityLog:
        return cls(data_dir / LOG_FILENAME)

    @classmethod
    def open_existing(cls, path: Path) -> ActivityLog:
        """Open a log that must already exist (for reading it); ``NoActivityLogError`` if not.

        In a folder that cannot be written (a read-only mount, a copy on a DVD) it is opened
        read-only, so it can still be exported and verified.
        """
        if not path.is_file():
            raise NoActivityLogError(
                f"there is no activity log at {path} yet: nothing has been recorded there"
            )
        return cls(path, read_only=not os.access(path.parent, os.W_OK))

    def _migrate(self) -> None:
        """Bring an older log's schema up to ``SCHEMA_VERSION``: add the text search's index.

        Written only when the version changes, so opening a log on a full disk still works;
        if the index cannot be built (a full disk), the log opens without it and searches
        read every entry, as before.
        """
        connection = self._writer
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        if version == SCHEMA_VERSION:
            return
        try:
            connection.execute("BEGIN IMMEDIATE")
            if not self._has_text_index():
                for statement in _TEXT_INDEX:
                    connection.execute(statement)
                connection.execute(_INDEX_NEW_ENTRIES)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            log.warning("the activity log %s has no text index: %s", self.path, exc)

    def _has_text_index(self) -> bool:
        return (
            self._writer.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entries_text'"
            ).fetchone()
            is not None
        )

    def _connect(self, *, check_same_thread: bool = False) -> sqlite3.Connection:
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE in append).
        if self.read_only:
            # immutable: no -shm or -wal can be made beside it, and no one can change it.
            connection = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro&immutable=1",
                uri=True,
                isolation_level=None,
                check_same_thread=check_same_thread,
            )
            return connection
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=check_same_thread, timeout=10.0
        )
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        return connection

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            self._writer.close()
            self._reader.close()

    def __enter__(self) -> ActivityLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- writing --------------------------------------------------------------------------

    def append(
        self,
        event: str,
        username: str | None = None,
        issuer: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Entry:
        """Add an entry and return it once it is committed to disk.

        ``ValueError`` as ``new_entry`` raises it (an unknown event, a secret in the detail).
        """
        (entry,) = self.append_all([new_entry(event, username, issuer, detail)])
        return entry

    def append_all(self, entries: Sequence[NewEntry]) -> list[Entry]:
        """Chain ``entries`` after the newest one, in order, and commit them in one
        transaction: they are all on disk when this returns, or (``ActivityLogWriteError``)
        none of them is written."""
        return [_entry(row) for row in self._commit(entries)]

    def commit(self, entries: Sequence[NewEntry]) -> int:
        """``append_all`` without reading the entries back: the ``seq`` of the last one
        (0 for none). For a writer that only needs to know they are on disk (the app's
        recorder): turning each row into an ``Entry`` would be a good part of its time."""
        rows = self._commit(entries)
        return rows[-1][0] if rows else 0

    def _commit(self, entries: Sequence[NewEntry]) -> list[_Row]:
        if self.read_only:
            raise ActivityLogWriteError(f"the activity log {self.path} was opened read-only")
        if not entries:
            return []
        rows: list[_Row] = []
        with self._write_lock:
            connection = self._writer
            # IMMEDIATE takes the write lock before the head is read, so two processes
            # appending at once still chain one entry after the other.
            connection.execute("BEGIN IMMEDIATE")
            try:
                row = connection.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
                seq, hash_ = row if row else (0, GENESIS_HASH)
                for new in entries:
                    seq += 1
                    hash_ = entry_hash(
                        seq, new.ts, new.event, new.username, new.issuer, new.detail_json, hash_
                    )
                    rows.append(
                        (seq, new.ts, new.event, new.username, new.issuer, new.detail_json, hash_)
                    )
                connection.executemany(
                    "INSERT INTO entries (seq, ts, event, username, issuer, detail, hash)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                if self._text_index:
                    connection.execute(_INDEX_NEW_ENTRIES)
                connection.execute(
                    "INSERT INTO head (id, seq, hash) VALUES (1, ?, ?)"
                    " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                    (seq, hash_),
                )
                connection.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise ActivityLogWriteError(
                    f"cannot write to the activity log {self.path}: {exc}"
                ) from exc
            except BaseException:
                self._rollback()
                raise
        return rows

    def _rollback(self) -> None:
        """End a failed append's transaction; a failure to (the disk is gone) is logged."""
        try:
            if self._writer.in_transaction:
                self._writer.execute("ROLLBACK")
        except sqlite3.DatabaseError as exc:
            log.warning("could not roll back in %s: %s", self.path, exc)

    # --- reading --------------------------------------------------------------------------

    def query(
        self,
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
        event: str | None = None,
        username: str | None = None,
        text: str | None = None,
        *,
        before_seq: int | None = None,
        after_seq: int | None = None,
    ) -> list[Entry]:
        """Entries newest first, filtered. ``event`` and ``username`` match exactly (the
        username case-insensitively); ``text`` is a case-insensitive substring of the username
        or the detail JSON.

        For paging deep into a big log pass the last ``seq`` seen as ``before_seq`` (with
        ``offset=0``): it seeks through the index instead of counting past ``offset`` rows.
        ``after_seq`` keeps only entries newer than that one (those added since it was read).
        """
        where = LogFilter(event, username, text)
        rows = self.query_rows(where, limit, offset, before_seq=before_seq, after_seq=after_seq)
        return [_entry(row) for row in rows]

    def query_rows(
        self,
        where: LogFilter,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
        *,
        before_seq: int | None = None,
        after_seq: int | None = None,
    ) -> list[tuple[Any, ...]]:
        """``query``'s entries as stored: (seq, ts, event, username, issuer, detail JSON,
        hash) tuples. For a reader that only shows them (the viewer): tuples of plain values
        are soon dropped from the garbage collector's passes, an ``Entry`` and its detail
        never are."""
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must not be negative")
        rows_from = _where(where.event, where.username, where.text, text_index=self._text_index)
        if before_seq is not None:
            rows_from.clauses.append(f"{rows_from.key} < ?")
            rows_from.params.append(before_seq)
        if after_seq is not None:
            rows_from.clauses.append(f"{rows_from.key} > ?")
            rows_from.params.append(after_seq)
        sql = (
            f"SELECT {_COLUMNS} FROM {rows_from.source} {rows_from.where()}"  # noqa: S608 - see _where
            f" ORDER BY {rows_from.key} DESC LIMIT ? OFFSET ?"
        )
        with self._read_lock:
            rows: list[tuple[Any, ...]] = self._reader.execute(
                sql, (*rows_from.params, limit, offset)
            ).fetchall()
        return rows

    def count(
        self, event: str | None = None, username: str | None = None, text: str | None = None
    ) -> int:
        """How many entries ``query`` with the same filters would page through."""
        rows_from = _where(event, username, text, text_index=self._text_index)
        with self._read_lock:
            (total,) = self._reader.execute(
                f"SELECT count(*) FROM {rows_from.source} {rows_from.where()}",  # noqa: S608 - see _where
                rows_from.params,
            ).fetchone()
        return int(total)

    def usernames(self) -> list[str]:
        """Every username in the log, sorted case-insensitively (for filter completion)."""
        with self._read_lock:
            rows = self._reader.execute(
                "SELECT DISTINCT username COLLATE NOCASE FROM entries"
                " WHERE username IS NOT NULL ORDER BY 1"
            ).fetchall()
        return [row[0] for row in rows]

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own inside one read transaction, so a long export or verify
        sees one consistent state and does not hold up the viewer's reads."""
        if self.read_only:
            connection = self._connect(check_same_thread=True)
        else:
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        try:
            connection.execute("BEGIN")
            yield connection
        finally:
            connection.close()  # ends the read transaction; there is nothing to commit

    def export(
        self,
        fmt: str,
        stream: TextIO,
        event: str | None = None,
        username: str | None = None,
        text: str | None = None,
    ) -> int:
        """Write entries oldest first to ``stream`` as JSON lines or CSV; return how many.

        Fields are ``EXPORT_FIELDS``; ``detail`` is an object in JSON lines and a JSON string in
        CSV (which starts with a header row). With no filter this is the whole chain, which a
        reader can re-verify with the rule in this module's docstring.
        """
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {fmt!r}; expected one of {EXPORT_FORMATS}")
        rows_from = _where(event, username, text, text_index=self._text_index)
        try:
            return self._export(fmt, stream, rows_from)
        except sqlite3.DatabaseError as exc:
            raise ActivityLogError(f"cannot read the activity log {self.path}: {exc}") from exc

    def _export(self, fmt: str, stream: TextIO, rows_from: _Filter) -> int:
        written = 0
        with self._snapshot() as connection:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM {rows_from.source} {rows_from.where()}"  # noqa: S608 - see _where
                f" ORDER BY {rows_from.key}",
                rows_from.params,
            )
            if fmt == "csv":
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(EXPORT_FIELDS)
                for row in rows:
                    writer.writerow(row)  # detail is stored as canonical JSON text already
                    written += 1
            else:
                for row in rows:
                    stream.write(_json_line(row))
                    written += 1
        return written

    def verify(self) -> Verification:
        """Walk the chain from the first entry and report the first one that is wrong.

        A file SQLite cannot read through is reported as not ok, not raised.
        """
        with self._snapshot() as connection:
            return _verify(connection)


def _verify(connection: sqlite3.Connection) -> Verification:
    checked = 0
    previous_seq, previous_hash = 0, GENESIS_HASH
    try:
        head = connection.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
        for seq, ts, event, username, issuer, detail, hash_ in connection.execute(
            f"{_SELECT} ORDER BY seq"
        ):
            if seq != previous_seq + 1:
                return _missing(checked, previous_seq, seq)
            try:
                expected = entry_hash(seq, ts, event, username, issuer, detail, previous_hash)
            except (TypeError, ValueError) as exc:
                return Verification(False, checked, seq, f"entry {seq} is malformed: {exc}")
            if expected != hash_:
                changed = f"entry {seq} was changed: its contents do not match its hash"
                if previous_seq:
                    changed += f" (or the hash of entry {previous_seq} was changed)"
                return Verification(False, checked, seq, changed)
            checked += 1
            previous_seq, previous_hash = seq, hash_
    except sqlite3.DatabaseError as exc:
        return Verification(
            False,
            checked,
            previous_seq + 1,
            f"the log file is damaged after entry {previous_seq}: {exc}",
        )
    return _check_head(head, checked, previous_seq, previous_hash)


def _missing(checked: int, previous_seq: int, seq: int) -> Verification:
    missing = previous_seq + 1
    what = f"entries {missing} to {seq - 1} are" if seq - 1 > missing else f"entry {missing} is"
    where = (
        f"entry {seq} follows entry {previous_seq}"
        if previous_seq
        else f"the log starts at entry {seq}"
    )
    return Verification(False, checked, missing, f"{what} missing: {where}")


def _check_head(
    head: tuple[int, str] | None, checked: int, last_seq: int, last_hash: str
) -> Verification:
    """Compare the end of an intact chain with the head record (which catches a cut tail)."""
    if head is None:
        if checked:
            return Verification(False, checked, last_seq, "the head record was deleted")
        return Verification(True, 0, head_hash=GENESIS_HASH)
    head_seq, head_hash = head
    if head_seq > last_seq:
        missing = last_seq + 1
        what = (
            f"entries {missing} to {head_seq} are" if head_seq > missing else f"entry {missing} is"
        )
        return Verification(
            False, checked, missing, f"{what} missing: the end of the log was cut off"
        )
    if head_seq < last_seq:
        return Verification(
            False,
            checked,
            head_seq + 1,
            f"entry {head_seq + 1} was not written by the log: the head record ends at "
            f"entry {head_seq}",
        )
    if head_hash != last_hash:
        return Verification(
            False,
            checked,
            last_seq,
            f"entry {last_seq} was changed: its hash does not match the head record",
        )
    return Verification(True, checked, head_hash=head_hash)
