"""The activity-log viewer: a lazily paged table with filters and CSV / JSON-lines export."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PyQt5.QtCore import (
    QT_TRANSLATE_NOOP,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    pyqtSignal,
    pyqtSlot,
)
from PyQt5.QtGui import QStandardItem, QStandardItemModel
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_auth.activity_log import EVENTS, ActivityLog, ActivityLogError, LogFilter
from desktop_auth.qt.translation import TranslationContext, format_number
from desktop_auth.qt.workers import run_in_background

log = logging.getLogger(__name__)

# Rows per fetch: one page is a few milliseconds of SQLite even at a million rows, and small
# pages keep each model insert (and the view's relayout) cheap.
PAGE_SIZE = 256
# How long typing in a filter field pauses before the table is reloaded: long enough not to
# search for every half-typed name, short enough to feel immediate.
FILTER_DELAY_MS = 150
# At most one read of new entries per this while events keep arriving: a burst of thousands
# would otherwise re-read the newest page after every commit.
REFRESH_INTERVAL_MS = 250

# Fields and their headings (translated when shown). The events and details are the log's own
# words, the same in every language (and in `desktop-auth-cli log export`).
COLUMNS = (
    ("seq", "#"),
    ("ts", QT_TRANSLATE_NOOP("ActivityLogModel", "Time (UTC)")),
    ("event", QT_TRANSLATE_NOOP("ActivityLogModel", "Event")),
    ("username", QT_TRANSLATE_NOOP("ActivityLogModel", "User")),
    ("issuer", QT_TRANSLATE_NOOP("ActivityLogModel", "Issuer")),
    ("detail", QT_TRANSLATE_NOOP("ActivityLogModel", "Detail")),
)
_DETAIL_COLUMN = len(COLUMNS) - 1
EXPORT_FORMATS = ("csv", "jsonl")


def export_filters() -> dict[str, str]:
    """The file dialog's filter of each export format, in the user's language."""
    return {
        "csv": ActivityLogViewer.tr("CSV (*.csv)"),
        "jsonl": ActivityLogViewer.tr("JSON lines (*.jsonl)"),
    }


# One row as the worker prepares it: the cells' texts, and the detail's tooltip. Plain
# tuples of strings, which the garbage collector soon stops tracking: a page of objects it
# tracks, alive from the worker to the UI thread, gets promoted to its oldest generation,
# whose full passes (tens of milliseconds, holding the GIL) then come more often.
_RowTexts = tuple[tuple[str, ...], str]


@dataclass(frozen=True)
class _Page:
    """Rows read in the background, tagged with the model generation that asked for them.

    ``newer``: entries added since the newest one shown (a refresh), else the next older
    page. A refresh that found more than a page of new entries has ``gap`` set: they replace
    the rows shown.
    """

    generation: int
    rows: tuple[_RowTexts, ...] = ()
    first_seq: int | None = None
    last_seq: int | None = None
    newer: bool = False
    gap: bool = False
    error: str | None = None


@dataclass(frozen=True)
class _Count:
    generation: int
    total: int | None = None
    error: str | None = None


_SEQ_ALIGNMENT = int(Qt.AlignRight | Qt.AlignVCenter)
# Made once: json.dumps with options builds an encoder per call, a good part of a page's time.
_DETAIL_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _row_texts(row: tuple[Any, ...]) -> _RowTexts:
    """A stored row's cells (the detail as JSON, keys sorted) and its detail's tooltip, a
    line per key. A detail that is not a JSON object (a damaged row) is shown as stored."""
    seq, ts, event, username, issuer, detail_json, _hash = row
    try:
        detail = json.loads(detail_json)
    except (TypeError, ValueError):
        detail = None
    tooltip = ""
    if isinstance(detail, dict):
        detail_json = _DETAIL_ENCODER.encode(detail)
        tooltip = "\n".join(
            f"{key}: {_DETAIL_ENCODER.encode(detail[key])}" for key in sorted(detail)
        )
    return (str(seq), ts, event, username or "", issuer or "", str(detail_json)), tooltip


def _read_page(
    activity_log: ActivityLog,
    generation: int,
    where: LogFilter,
    before_seq: int | None = None,
    after_seq: int | None = None,
) -> _Page:
    """The next older page (``before_seq``), or the entries newer than ``after_seq``: up to a
    page of them, or (``gap``) the newest page when more than a page was added."""
    newer = after_seq is not None
    try:
        rows = activity_log.query_rows(
            where, PAGE_SIZE + 1 if newer else PAGE_SIZE, before_seq=before_seq, after_seq=after_seq
        )
    except (sqlite3.Error, ActivityLogError) as exc:
        log.warning("reading the activity log failed: %s", exc)
        return _Page(
            generation,
            newer=newer,
            error=ActivityLogModel.tr("Cannot read the activity log: {error}").format(error=exc),
        )
    gap = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return _Page(
        generation,
        tuple(_row_texts(row) for row in rows),
        rows[0][0] if rows else None,
        rows[-1][0] if rows else None,
        newer=newer,
        gap=gap,
    )


def _read_count(activity_log: ActivityLog, generation: int, where: LogFilter) -> _Count:
    try:
        return _Count(generation, activity_log.count(where.event, where.username, where.text))
    except (sqlite3.Error, ActivityLogError) as exc:
        log.warning("counting the activity log failed: %s", exc)
        return _Count(generation, error=str(exc))


def _read_usernames(activity_log: ActivityLog) -> list[str]:
    try:
        return activity_log.usernames()
    except (sqlite3.Error, ActivityLogError) as exc:
        log.warning("listing the activity log's users failed: %s", exc)
        return []


def _export(activity_log: ActivityLog, path: Path, fmt: str, where: LogFilter) -> tuple[str, int]:
    """Write the export next to ``path`` and move it into place, so a failed export never
    leaves half a file; 0600 because it names users."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            written = activity_log.export(fmt, stream, where.event, where.username, where.text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(path), written


class ActivityLogModel(QStandardItemModel):
    """Log entries newest first, read ``PAGE_SIZE`` at a time in the thread pool.

    ``canFetchMore``/``fetchMore`` page on demand as the view scrolls; each page seeks from
    the last ``seq`` shown, so the millionth row costs what the first does. ``refresh`` adds
    the entries written since, above the rows shown. Results from a request made before the
    filter changed are dropped (``generation``).

    The cells live in the C++ model, so the table is painted without calling Python: a
    Python ``data()`` is called for every role of every visible cell, and each call waits
    for the GIL while a worker (the recorder in a burst) holds it.
    """

    tr = TranslationContext("ActivityLogModel")

    loading_changed = pyqtSignal(bool)
    page_loaded = pyqtSignal(int)  # how many rows the page added
    total_changed = pyqtSignal(int)  # entries matching the filter, -1 while unknown
    load_failed = pyqtSignal(str)

    def __init__(self, activity_log: ActivityLog, parent: QObject | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels([ActivityLogModel.tr(heading) for _, heading in COLUMNS])
        # The cells setData makes are copies of this: shown and selectable, not editable.
        prototype = QStandardItem()
        prototype.setFlags(Qt.ItemIsSelectable | Qt.ItemIsEnabled)
        self.setItemPrototype(prototype)
        self._log = activity_log
        self._filter = LogFilter()
        self._newest_seq: int | None = None  # of the first row shown
        self._oldest_seq: int | None = None  # of the last row shown
        self._generation = 0
        self._loading = False
        self._refresh_wanted = False
        self._exhausted = False
        self._failed = False
        self._total: int | None = None

    # --- the filter ---------------------------------------------------------------------

    @property
    def filter(self) -> LogFilter:
        return self._filter

    @property
    def total(self) -> int | None:
        """Entries matching the filter, or ``None`` until counted."""
        return self._total

    @property
    def loading(self) -> bool:
        return self._loading

    def set_filter(
        self, event: str | None = None, username: str | None = None, text: str | None = None
    ) -> None:
        """Show only entries with this event, this user (any case) and containing ``text``
        in the user name or detail; empty or ``None`` means any."""
        if event and event not in EVENTS:
            raise ValueError(f"unknown activity event {event!r}")
        new = LogFilter(event or None, (username or "").strip() or None, text or None)
        if new != self._filter:
            self._filter = new
            self.reload()

    @pyqtSlot()
    def reload(self) -> None:
        """Forget what is loaded and read the newest page again."""
        self._generation += 1
        self.removeRows(0, self.rowCount())
        self._newest_seq = self._oldest_seq = None
        self._exhausted = False
        self._failed = False
        self._refresh_wanted = False
        self._read(counting=True)

    @pyqtSlot()
    def refresh(self) -> None:
        """Show the entries written since the newest one shown (call after new events).

        The rows shown stay until the new ones arrive, and stay below them when there is
        less than a page of new ones; with more, the newest page replaces them.
        """
        if self._newest_seq is None or self._failed:
            self.reload()
        elif self._loading:
            self._refresh_wanted = True  # after the page on its way
        else:
            self._generation += 1  # drops the count and any page asked for before
            self._read(newer=True, counting=True)

    # --- paging ----------------------------------------------------------------------------

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not (parent.isValid() or self._exhausted or self._loading or self._failed)

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._read()

    def _read(self, *, newer: bool = False, counting: bool = False) -> None:
        """Ask the pool for the next older page, or (``newer``) the entries since the newest
        shown, and with ``counting`` for the total too.

        What the status shows changes first: a worker takes the GIL as it starts, and this
        thread would wait for it to run any Python after that.
        """
        if counting:
            self._total = None
            self.total_changed.emit(-1)
        self._set_loading(True)
        before, after = (None, self._newest_seq) if newer else (self._oldest_seq, None)
        where = self._filter
        run_in_background(
            partial(_read_page, self._log, self._generation, where, before, after),
            on_result=self._page_arrived,
        )
        if counting:
            run_in_background(
                partial(_read_count, self._log, self._generation, where),
                on_result=self._count_arrived,
            )

    @pyqtSlot(object)
    def _page_arrived(self, page: _Page) -> None:
        if page.generation != self._generation:
            return
        self._set_loading(False)
        if page.error is not None:
            self._failed = True
            if page.newer:
                # As a reload would: no rows that may no longer be what the log holds.
                self.removeRows(0, self.rowCount())
                self._newest_seq = self._oldest_seq = None
            self.load_failed.emit(page.error)
            return
        if page.newer:
            self._show_newer(page)
        else:
            if len(page.rows) < PAGE_SIZE:
                self._exhausted = True
            self._insert(self.rowCount(), page.rows)
            if page.rows:
                self._oldest_seq = page.last_seq
                if self._newest_seq is None:
                    self._newest_seq = page.first_seq
        self.page_loaded.emit(len(page.rows))
        if self._refresh_wanted:
            self._refresh_wanted = False
            self.refresh()

    def _show_newer(self, page: _Page) -> None:
        if not page.rows:
            return
        if page.gap:
            # More than a page was written: the rows shown no longer follow on from the new
            # ones, so the newest page replaces them (in the same event, so one repaint).
            self.removeRows(0, self.rowCount())
            self._oldest_seq = page.last_seq
            self._exhausted = False
        self._insert(0, page.rows)
        self._newest_seq = page.first_seq

    def _insert(self, first: int, rows: tuple[_RowTexts, ...]) -> None:
        if not rows:
            return
        # One insertion for the page, then texts only: the model makes each cell in C++
        # (no Python object per cell outlives this).
        self.insertRows(first, len(rows))
        index, set_data = self.index, self.setData
        for row, (texts, tooltip) in enumerate(rows, first):
            for column, text in enumerate(texts):
                set_data(index(row, column), text)
            set_data(index(row, 0), _SEQ_ALIGNMENT, Qt.TextAlignmentRole)
            if tooltip:
                set_data(index(row, _DETAIL_COLUMN), tooltip, Qt.ToolTipRole)

    @pyqtSlot(object)
    def _count_arrived(self, count: _Count) -> None:
        if count.generation != self._generation or count.total is None:
            return
        self._total = count.total
        self.total_changed.emit(count.total)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)


class ActivityLogViewer(QWidget):
    """The activity log in a table, with event, user and text filters and an export button.

    Call ``refresh()`` after new events to show them.
    """

    tr = TranslationContext("ActivityLogViewer")

    exported = pyqtSignal(str, int)  # path, entries written
    export_failed = pyqtSignal(str)

    def __init__(self, activity_log: ActivityLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activityLogViewer")
        self._log = activity_log
        self.model = ActivityLogModel(activity_log, self)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        # Running while a reload's quiet period lasts; a refresh asked for then waits for it.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self._refresh_pending = False
        self._build()
        self._connect_signals()
        self.model.reload()
        self._load_usernames()

    def _build(self) -> None:
        self.event_filter = QComboBox(self)
        self.event_filter.setObjectName("eventFilter")
        self.event_filter.addItem(ActivityLogViewer.tr("All events"), None)
        for event in EVENTS:
            self.event_filter.addItem(event, event)
        self.event_filter.setAccessibleName(ActivityLogViewer.tr("Event filter"))
        self.event_filter.setAccessibleDescription(
            ActivityLogViewer.tr("Shows only the entries of this event.")
        )

        self.user_filter = QLineEdit(self)
        self.user_filter.setObjectName("userFilter")
        self.user_filter.setPlaceholderText(ActivityLogViewer.tr("any user"))
        self.user_filter.setClearButtonEnabled(True)
        self.user_filter.setAccessibleName(ActivityLogViewer.tr("User filter"))
        self.user_filter.setAccessibleDescription(
            ActivityLogViewer.tr(
                "Shows only this user's entries; known usernames complete as you type."
            )
        )
        self._user_completer = QCompleter([], self)
        self._user_completer.setCaseSensitivity(Qt.CaseInsensitive)
        # Inline: completes as you type without a popup taking the keyboard.
        self._user_completer.setCompletionMode(QCompleter.InlineCompletion)
        self.user_filter.setCompleter(self._user_completer)

        self.text_filter = QLineEdit(self)
        self.text_filter.setObjectName("textFilter")
        self.text_filter.setPlaceholderText(ActivityLogViewer.tr("text in user or detail"))
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.setAccessibleName(ActivityLogViewer.tr("Text search"))
        self.text_filter.setAccessibleDescription(
            ActivityLogViewer.tr(
                "Shows only the entries with this text in the user name or detail."
            )
        )
        for field, clear in (
            (self.user_filter, ActivityLogViewer.tr("Clear the user filter")),
            (self.text_filter, ActivityLogViewer.tr("Clear the text search")),
        ):
            # The clear button QLineEdit adds has no text of its own to be announced by.
            for button in field.findChildren(QToolButton):
                button.setAccessibleName(clear)

        self.export_button = QPushButton(ActivityLogViewer.tr("E&xport…"), self)
        self.export_button.setObjectName("exportButton")
        self.export_button.setAccessibleName(ActivityLogViewer.tr("Export activity log"))
        self.export_button.setToolTip(
            ActivityLogViewer.tr("Save the entries shown as CSV or JSON lines")
        )

        filters = QHBoxLayout()
        # Not Alt+E or Alt+S: in the workspace those open the Edit and Session menus.
        for text, field, name in (
            (ActivityLogViewer.tr("Even&t:"), self.event_filter, "eventFilterLabel"),
            (ActivityLogViewer.tr("&User:"), self.user_filter, "userFilterLabel"),
            (ActivityLogViewer.tr("Sear&ch:"), self.text_filter, "textFilterLabel"),
        ):
            label = QLabel(text, self)
            label.setObjectName(name)
            label.setBuddy(field)
            filters.addWidget(label)
            filters.addWidget(field, 1)
        filters.addWidget(self.export_button)

        self.table = QTableView(self)
        self.table.setObjectName("activityLogTable")
        self.table.setAccessibleName(ActivityLogViewer.tr("Activity log"))
        self.table.setAccessibleDescription(
            ActivityLogViewer.tr("Newest first; moving down past the last row loads older entries.")
        )
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed sizes: sizing to contents would measure rows on every page that arrives.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        for column, width in enumerate((80, 220, 140, 120, 200)):
            header.resizeSection(column, width)

        self.status = QLabel(self)
        self.status.setObjectName("activityLogStatus")
        # Described, not named: a name would hide the text it shows from screen readers.
        self.status.setAccessibleDescription(ActivityLogViewer.tr("Activity log status"))

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        # No focus proxy: in Qt 5 a child as the proxy makes Tab skip the filters and Export.

    def _connect_signals(self) -> None:
        self.event_filter.currentIndexChanged.connect(self._apply_filter)
        self.user_filter.textChanged.connect(self._filter_timer.start)
        self.text_filter.textChanged.connect(self._filter_timer.start)
        self.user_filter.returnPressed.connect(self._apply_filter)
        self.text_filter.returnPressed.connect(self._apply_filter)
        self._filter_timer.timeout.connect(self._apply_filter)
        self._refresh_timer.timeout.connect(self._refresh_if_pending)
        self.export_button.clicked.connect(self._choose_export_file)
        self.model.loading_changed.connect(self._update_status)
        self.model.page_loaded.connect(self._update_status)
        self.model.total_changed.connect(self._update_status)
        self.model.load_failed.connect(self.status.setText)
        self.model.modelReset.connect(self._update_status)
        self.exported.connect(self._show_exported)
        self.export_failed.connect(self.status.setText)

    # --- filtering and reloading ----------------------------------------------------------

    @pyqtSlot()
    def refresh(self) -> None:
        """Show the entries written since, keeping the filter (call after new events).

        The first call reads at once; calls during the next ``REFRESH_INTERVAL_MS`` make one
        more read when it is over, so a burst of events costs a few reads, not one each.
        """
        if self._refresh_timer.isActive():
            self._refresh_pending = True
            return
        self.model.refresh()
        self._load_usernames()
        self._refresh_timer.start()

    @pyqtSlot()
    def _refresh_if_pending(self) -> None:
        if self._refresh_pending:
            self._refresh_pending = False
            self.refresh()

    @pyqtSlot()
    def _apply_filter(self) -> None:
        self._filter_timer.stop()
        self.model.set_filter(
            self.event_filter.currentData(), self.user_filter.text(), self.text_filter.text()
        )

    def _load_usernames(self) -> None:
        run_in_background(partial(_read_usernames, self._log), on_result=self._set_usernames)

    @pyqtSlot(object)
    def _set_usernames(self, names: list[str]) -> None:
        self._user_completer.model().setStringList(names)

    @pyqtSlot()
    def _update_status(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        if total is None:
            text = ActivityLogViewer.tr("Showing {shown} entries", None, shown)
        else:
            text = ActivityLogViewer.tr("Showing {shown} of {total} entries", None, total)
        text = text.format(shown=format_number(shown), total=format_number(total or 0))
        if self.model.loading:
            text = ActivityLogViewer.tr("{status} (loading…)").format(status=text)
        self.status.setText(text)

    # --- export -----------------------------------------------------------------------------

    @pyqtSlot()
    def _choose_export_file(self) -> None:
        filters = export_filters()
        path, chosen = QFileDialog.getSaveFileName(
            self,
            ActivityLogViewer.tr("Export activity log"),
            str(Path.home() / "activity-log.csv"),
            ";;".join(filters.values()),
        )
        if not path:
            return
        fmt = "jsonl" if chosen == filters["jsonl"] or path.endswith(".jsonl") else "csv"
        self.export_to(Path(path), fmt)

    def export_to(self, path: Path | str, fmt: str) -> None:
        """Write the entries matching the current filter (oldest first) to ``path`` as
        ``"csv"`` or ``"jsonl"``, in the background; ``exported`` or ``export_failed`` tell
        how it went."""
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        path = Path(path)
        self.export_button.setEnabled(False)
        self.status.setText(ActivityLogViewer.tr("Exporting to {file}…").format(file=path.name))
        run_in_background(
            partial(_export, self._log, path, fmt, self.model.filter),
            on_result=self._export_done,
            on_error=self._export_error,
        )

    @pyqtSlot(object)
    def _export_done(self, result: tuple[str, int]) -> None:
        self.export_button.setEnabled(True)
        self.exported.emit(*result)

    @pyqtSlot(object)
    def _export_error(self, error: BaseException) -> None:
        log.warning("exporting the activity log failed: %s", error)
        self.export_button.setEnabled(True)
        self.export_failed.emit(ActivityLogViewer.tr("Export failed: {error}").format(error=error))

    @pyqtSlot(str, int)
    def _show_exported(self, path: str, written: int) -> None:
        self.status.setText(
            ActivityLogViewer.tr("Exported {count} entries to {path}", None, written).format(
                count=format_number(written), path=path
            )
        )
