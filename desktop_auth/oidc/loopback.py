"""The loopback redirect listener of RFC 8252 §7.3: one sign-in response from the browser."""

from __future__ import annotations

import errno
import html
import logging
import math
import queue
import socket
import socketserver
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from desktop_auth.errors import CancelledError, NetworkError
from desktop_auth.oidc.browser import APP_NAME, DEFAULT_REDIRECT_PATH, DEFAULT_TIMEOUT_SECONDS
from desktop_auth.oidc.cancel import CANCELLED_MESSAGE, CancelToken
from desktop_auth.oidc.oauth_errors import wait_phrase

log = logging.getLogger(__name__)

# The browser's request for the redirect is answered once the sign-in's outcome is known
# (code exchanged, tokens checked), so that its page can say whether sign-in worked. The
# token endpoint's own timeouts bound that; this only guards against a flow that never answers.
OUTCOME_WAIT_SECONDS = 120.0
# How long answer() waits for the result page to reach the browser before the listener closes
# (a CLI exits right after: the page must not be cut off).
PAGE_SENT_WAIT_SECONDS = 5.0
# Browsers open spare connections and may never send a request on them.
IDLE_CONNECTION_SECONDS = 30.0
# 127.0.0.1 first (RFC 8252 §7.3 and what providers register); [::1] when IPv4 is unavailable.
LOOPBACK_ADDRESSES = (("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6))


class LoopbackError(NetworkError):
    """The app cannot listen for the browser's redirect (port in use, no loopback interface)."""


class BrowserTimeoutError(CancelledError):
    """No sign-in response came back from the browser in time; nothing is left listening."""


def check_redirect_path(path: str) -> str:
    """``path`` when it can be the path of a loopback redirect URI; ValueError saying why not."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"the redirect path must start with a single '/', not {path!r}")
    if any(ch in path for ch in "?#%\\") or not path.isprintable() or " " in path:
        raise ValueError(
            f"the redirect path {path!r} must be a plain path (no query, fragment, escapes "
            "or spaces)"
        )
    return path


@dataclass(frozen=True)
class Page:
    """An HTML page the listener answers the browser with."""

    status: int
    title: str
    message: str
    ok: bool = False

    def render(self, app_name: str) -> bytes:
        esc = html.escape
        colour = "#1a7f37" if self.ok else "#b42318"
        return (
            "<!doctype html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(self.title)} · {esc(app_name)}</title>"
            "<style>body{font-family:system-ui,sans-serif;margin:0;display:flex;"
            "justify-content:center;padding:4em 1em;background:#f6f7f9;color:#1f2328}"
            "main{max-width:32em;background:#fff;border-radius:8px;padding:2em;"
            "box-shadow:0 1px 3px rgba(0,0,0,.15)}"
            f"h1{{margin-top:0;color:{colour}}}.app{{color:#57606a}}</style></head><body>"
            f'<main><p class="app">{esc(app_name)}</p><h1>{esc(self.title)}</h1>'
            f'<p id="message" role="{"status" if self.ok else "alert"}">{esc(self.message)}</p>'
            "<p>You can close this tab.</p></main></body></html>\n"
        ).encode()


NOT_FOUND = Page(404, "Not found", "Nothing is here. This address only takes sign-in responses.")


class _Server(ThreadingHTTPServer):
    """One bound loopback socket; request handlers run in daemon threads."""

    daemon_threads = True
    block_on_close = False
    # SO_REUSEADDR lets a fixed port be reused while old connections linger in TIME_WAIT; on
    # Linux and macOS it cannot take a port another program listens on. Windows lets it, so not
    # there.
    allow_reuse_address = sys.platform != "win32"
    allow_reuse_port = False

    def __init__(self, address: tuple[str, int], family: int, listener: LoopbackListener) -> None:
        self.address_family = family
        self.listener = listener
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up in DNS; a loopback listener needs none.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A tab closed while it was being answered: nothing to do, and no traceback to print.
        log.info("loopback listener: a browser connection failed: %s", sys.exc_info()[1])


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = IDLE_CONNECTION_SECONDS
    server_version = APP_NAME
    sys_version = ""

    def do_GET(self) -> None:
        self.server.listener._respond(self)

    def send_page(self, page: Page, app_name: str) -> None:
        body = page.render(app_name)
        self.send_response(page.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        # The address holds the authorization code: no page may learn it.
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds the code: log only which path was asked for.
        log.debug("loopback listener: %s", self.path.split("?", 1)[0])


class LoopbackListener:
    """Waits for the browser to come back to ``http://127.0.0.1:<port><path>``.

    ``with LoopbackListener() as listener``: listen (port 0 = a free one chosen by the system),
    put ``listener.redirect_uri`` in the authorization request, ``wait()`` for the response's
    parameters, then ``answer()`` the browser with the outcome. Exactly one response is taken:
    requests elsewhere get 404 and the wait goes on; later responses get a page saying the
    sign-in was already answered.
    """

    def __init__(
        self,
        path: str = DEFAULT_REDIRECT_PATH,
        port: int = 0,
        app_name: str = APP_NAME,
    ) -> None:
        self._path = check_redirect_path(path)
        self._port = port
        self._app_name = app_name
        self._lock = threading.Lock()
        self._responses: queue.Queue[dict[str, str] | None] = queue.Queue()  # None: cancelled
        self._received = False
        self._closed = False
        self._outcome: Page | None = None
        self._outcome_set = threading.Event()
        self._outcome_sent = threading.Event()
        self._server: _Server | None = None
        self._netloc = ""  # HOST:PORT once listening
        self._thread: threading.Thread | None = None

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Listen; LoopbackError when the port is taken or no loopback address can be used."""
        self._server, host = self._bind()
        port = self._server.server_address[1]
        self._netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="loopback-listener",
            daemon=True,
        )
        self._thread.start()
        log.info("waiting for the browser on %s", self.redirect_uri)

    def _bind(self) -> tuple[_Server, str]:
        """The bound server and its host address."""
        unavailable: list[str] = []
        for host, family in LOOPBACK_ADDRESSES:
            try:
                return _Server((host, self._port), family, self), host
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise LoopbackError(
                        f"Cannot wait for the browser on port {self._port}: another program "
                        "uses it. Close that program, or use another redirect port (the "
                        "server must allow it)."
                    ) from exc
                log.info("cannot listen on %s: %s", host, exc)
                unavailable.append(f"{host}: {exc.strerror or exc}")
        raise LoopbackError(
            "Cannot wait for the browser's answer: no loopback address can be used ("
            + "; ".join(unavailable)
            + ")."
        )

    def close(self) -> None:
        """Stop listening. A browser still waiting on its redirect is told sign-in stopped."""
        with self._lock:
            self._closed = True
            received = self._received
        if received and not self._outcome_set.is_set():
            self.answer(False, "Sign-in stopped before it finished. Go back to the app.")
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the flow's side -----------------------------------------------------------------------

    @property
    def redirect_uri(self) -> str:
        """``http://127.0.0.1:PORT/callback`` (``http://[::1]:PORT/...`` without IPv4)."""
        assert self._netloc, "start() the listener first"
        return f"http://{self._netloc}{self._path}"

    def wait(
        self, timeout: float = DEFAULT_TIMEOUT_SECONDS, cancel: CancelToken | None = None
    ) -> dict[str, str]:
        """The parameters of the browser's redirect (with ``code`` or ``error``).

        BrowserTimeoutError after ``timeout`` seconds; CancelledError when ``cancel`` is set.
        """
        unregister = cancel.on_cancel(lambda: self._responses.put(None)) if cancel else None
        try:
            response = self._responses.get(timeout=timeout)
        except queue.Empty:
            raise BrowserTimeoutError(
                f"No sign-in came back from the browser within {wait_phrase(math.ceil(timeout))}"
                ", so sign-in stopped. Try again."
            ) from None
        finally:
            if unregister is not None:
                unregister()
        if response is None or (cancel is not None and cancel.cancelled):
            if response is not None:
                self.answer(False, "Sign-in was cancelled in the app.")
            raise CancelledError(CANCELLED_MESSAGE)
        return response

    def answer(self, ok: bool, message: str) -> None:
        """Show the browser that sent the redirect whether sign-in worked (``message`` is
        shown as text). Returns once the page is sent, or after a few seconds."""
        title = "Signed in" if ok else "Sign-in failed"
        with self._lock:
            if self._outcome_set.is_set():
                return
            self._outcome = Page(200 if ok else 400, title, message, ok)
            self._outcome_set.set()
            received = self._received
        if received and not self._outcome_sent.wait(PAGE_SENT_WAIT_SECONDS):
            log.info("the browser did not take the result page in time")

    # -- the browser's side (handler threads) --------------------------------------------------

    def _respond(self, handler: _Handler) -> None:
        target = urlsplit(handler.path)
        # Another Host is a page elsewhere reaching this port by DNS rebinding, not a redirect.
        if target.path != self._path or handler.headers.get("Host") != self._netloc:
            handler.send_page(NOT_FOUND, self._app_name)
            return
        parsed = parse_qs(target.query, keep_blank_values=True)
        if not ({"code", "error"} & parsed.keys()) or any(len(v) > 1 for v in parsed.values()):
            # Neither is a sign-in response (RFC 6749 §3.1: no parameter twice).
            page = Page(400, "Not a sign-in response", "This address only takes sign-in responses.")
            handler.send_page(page, self._app_name)
            return
        with self._lock:
            late = self._received or self._closed
            if late:
                page = self._already_answered() if self._received else self._ended()
            self._received = True
        if late:
            handler.send_page(page, self._app_name)
            return
        self._responses.put({name: values[0] for name, values in parsed.items()})
        if not self._outcome_set.wait(OUTCOME_WAIT_SECONDS):
            log.warning("sign-in did not finish within %g s of the redirect", OUTCOME_WAIT_SECONDS)
        outcome = self._outcome or Page(
            504, "Still signing in", f"Go back to {self._app_name} to see whether it worked."
        )
        try:
            handler.send_page(outcome, self._app_name)
        finally:
            self._outcome_sent.set()

    def _already_answered(self) -> Page:
        return Page(
            409,
            "Already answered",
            f"{self._app_name} already received a sign-in response, so this one was ignored. "
            "Go back to the app to see whether sign-in worked.",
        )

    def _ended(self) -> Page:
        return Page(
            410,
            "Sign-in ended",
            f"{self._app_name} stopped waiting for this sign-in. Start again from the app.",
        )
