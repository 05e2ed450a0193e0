"""The example API served on 127.0.0.1 in a thread, trusting one issuer's tokens."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from desktop_auth.demo_api.api import create_api
from desktop_auth.demo_api.store import DocumentStore
from desktop_auth.resource.issuer import Issuer
from desktop_auth.resource.verifier import TokenVerifier

log = logging.getLogger(__name__)

# The bundled server's access tokens name the desktop client as their audience: without
# resource indicators (RFC 8707) it issues no token for this API alone.
AUDIENCE = "desktop-auth"
REALM = "documents"


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request on stderr (werkzeug's default)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class ServedAPI:
    """The example API listening on ``host`` (a random port by default): ``url`` (its base,
    ending in /api), ``start()`` and ``stop()``."""

    def __init__(
        self,
        issuer: str,
        data_dir: Path,
        *,
        permissions: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        audience: str = AUDIENCE,
        leeway: float = 60,
    ) -> None:
        """Trust tokens of ``issuer`` for ``audience``; documents in ``data_dir``;
        ``permissions``: the policy file (None: the bundled one, as the desktop app's);
        ``leeway``: seconds of clock skew allowed on a token's times."""
        self.store = DocumentStore.in_dir(data_dir)
        self.verifier = TokenVerifier(
            Issuer(issuer, audience), permissions=permissions, realm=REALM, leeway=leeway
        )
        self.app = create_api(self.verifier, self.store)
        self.server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.port = int(self.server.server_port)
        self.url = f"http://{host}:{self.port}/api"
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self) -> ServedAPI:
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="desktop-auth-demo-api", daemon=True
        )
        self._thread.start()
        log.info("example API at %s (documents in %s)", self.url, self.store.path)
        return self

    def stop(self) -> None:
        """Stop serving, then close the verifier and the store; again, nothing."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join(10)
            self._thread = None
        self.server.server_close()
        self.verifier.close()
        self.store.close()
