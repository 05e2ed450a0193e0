"""Serving the app with waitress: in the foreground (``run``) or in a thread (embedded, tests)."""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from waitress.server import create_server

from desktop_auth.server.app import create_app, shutdown
from desktop_auth.server.config import ServerConfig

log = logging.getLogger(__name__)


def issuer_for(host: str, port: int) -> str:
    try:
        shown = f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        shown = host
    return f"http://{shown}:{port}"


class _Deferred:
    """A WSGI app set after the socket is bound, so the issuer can name the real port."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.app is None:  # pragma: no cover - requests wait for the loop to start
            raise RuntimeError("server not ready")
        return self.app(environ, start_response)


class ServedApp:
    """The identity server listening on a socket: ``url``, ``app``, ``serve()`` and ``stop()``."""

    def __init__(
        self,
        config: ServerConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        fixed_issuer: bool = False,
    ) -> None:
        self._deferred = _Deferred()
        # One host gives one listening socket: a TcpWSGIServer, which knows its port.
        self.server: Any = create_server(
            self._deferred,
            host=host,
            port=port,
            threads=threads,
            ident="desktop-auth-server",
            # waitress strips X-Forwarded-* itself unless told otherwise; with trusted proxies
            # the app's ProxyFix reads them (config.trusted_proxies), so they must reach it.
            clear_untrusted_proxy_headers=not config.trusted_proxies,
        )
        self.port = int(self.server.effective_port)
        self.url = issuer_for(host, self.port)
        if not fixed_issuer:
            config = config.with_issuer(self.url)
        self.config = config
        self.app = create_app(config)
        self._deferred.app = self.app
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def issuer(self) -> str:
        return self.config.issuer

    def serve(self) -> None:
        """Serve in this thread until ``stop()``."""
        try:
            self.server.run()
        finally:
            shutdown(self.app)

    def start(self) -> ServedApp:
        self._thread = threading.Thread(target=self.serve, name="desktop-auth-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the database; calling it again does nothing."""
        if self._stopped:
            return
        self._stopped = True

        def close_all() -> None:
            for channel in list(self.server._map.values()):
                channel.close()

        self.server.task_dispatcher.shutdown()
        try:
            self.server.trigger.pull_trigger(close_all)
        except OSError:
            # The loop's wake-up pipe is already closed (seen rarely under load): nobody can
            # run close_all in the loop now, so close what is left from here; the loop, if
            # still running, ends once its map is empty.
            log.warning("server loop trigger already closed; closing channels directly")
            close_all()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
