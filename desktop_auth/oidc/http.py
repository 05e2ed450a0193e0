"""HTTPS for the protocol client: system trust store, loopback-only plain http, typed errors."""

from __future__ import annotations

import base64
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, urlsplit

from desktop_auth.errors import (
    CABundleError,
    DesktopAuthError,
    NetworkError,
    ProtocolError,
    ServerError,
    TLSError,
)

if TYPE_CHECKING:  # requests is imported when the first request is made, not at start-up.
    import requests

DEFAULT_TIMEOUT = 10.0
# From sending the request to the answer's last byte: a server dripping its body a byte at a
# time never trips the per-read timeout above, and would hold a sign-in as long as it liked.
DEFAULT_TOTAL_TIMEOUT = 30.0
# Discovery documents, JWKS, token and userinfo responses are a few kilobytes.
MAX_BODY_BYTES = 1_000_000
USER_AGENT = "desktop-auth"

# OpenSSL verify codes (X509_V_ERR_*) a private CA explains, so --ca-bundle is the fix.
_UNKNOWN_CA_CODES = frozenset({18, 19, 20, 21, 27})
_EXPIRED_CODES = frozenset({9, 10})
# Host name (62) and IP address (64) mismatch: the certificate is for another server.
_HOST_MISMATCH_CODES = frozenset({62, 64})
# requests reads a None proxy as "none for this scheme", though its stubs allow only str.
_NO_PROXY: dict[str, str] = {"http": None, "https": None, "all": None}  # type: ignore[dict-item]


class HttpStatusError(ServerError):
    """An answer with an error status and no OAuth error object to explain it."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


# --- URLs -------------------------------------------------------------------------------------


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses, the only hosts plain http is allowed to."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, what: str = "URL") -> str:
    """``url`` when it is https://, or http:// to a loopback host; ProtocolError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ProtocolError(
            f"The {what} must be an https:// URL such as https://id.example.com, not {url!r}."
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ProtocolError(
            f"Refusing plain http:// for {parts.hostname}: passwords and tokens would cross "
            "the network unencrypted. Use https:// (http:// is allowed only for 127.0.0.1, "
            "::1 and localhost)."
        )
    return url


def normalize_issuer(issuer: str) -> str:
    """The issuer without a trailing slash; ProtocolError for what sign-in would refuse."""
    check_url(issuer, "issuer")
    parts = urlsplit(issuer)
    if parts.query or parts.fragment:
        raise ProtocolError("The issuer URL must not have a query or fragment.")
    return issuer.rstrip("/")


def client_secret_basic(client_id: str, client_secret: str) -> str:
    """The Authorization header value of ``client_secret_basic``: each part form-encoded
    before the Basic encoding, as RFC 6749 §2.3.1 says (a secret may hold ':' or '%')."""
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


# --- responses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonResponse:
    """A response whose body is a JSON object (``{}`` for an accepted empty body)."""

    url: str
    status: int
    reason: str
    body: dict[str, Any] = field(repr=False)
    headers: Mapping[str, str] = field(repr=False)  # names in lower case
    # This computer's clock (time.time()) halfway between sending the request and receiving
    # the answer's headers: what the answer's Date header is compared with. None: unknown.
    local_time: float | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


# --- errors -----------------------------------------------------------------------------------


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost cause of a requests error (requests wraps urllib3, which wraps ssl/socket)."""
    seen: set[int] = set()
    current = exc
    while id(current) not in seen:
        seen.add(id(current))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
        elif current.args and isinstance(current.args[-1], BaseException):
            current = current.args[-1]
        elif current.__cause__ is not None:
            current = current.__cause__
        elif current.__context__ is not None:
            current = current.__context__
        else:
            break
    return current


def _describe_network_error(exc: BaseException, timeout: float) -> str:
    cause = _root_cause(exc)
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused (is the server running, and on that port?)"
    if isinstance(cause, socket.gaierror):
        return "host name not found (check the issuer URL and your network)"
    if isinstance(cause, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(cause, ConnectionResetError | BrokenPipeError):
        return "the connection was closed by the server"
    text = str(cause) or type(cause).__name__
    # urllib3 prefixes "<connection object>: " to the useful part.
    return text.split(": ", 1)[1] if ": " in text and text.startswith("<") else text


def _tls_error(host: str, exc: BaseException) -> TLSError:
    cause = _root_cause(exc)
    if isinstance(cause, ssl.SSLCertVerificationError):
        detail = (cause.verify_message or str(cause)).rstrip(".")
        if cause.verify_code in _HOST_MISMATCH_CODES:
            return TLSError(
                f"TLS error talking to {host}: the certificate is for another host name "
                f"({detail}). Check the issuer URL."
            )
        if cause.verify_code in _EXPIRED_CODES:
            return TLSError(
                f"TLS error talking to {host}: the server's certificate is not valid now "
                f"({detail}). Check the server's certificate and this computer's clock."
            )
        return TLSError(
            f"TLS error talking to {host}: certificate not trusted: {detail}. If the server "
            "uses a private CA, pass its certificate with --ca-bundle."
        )
    if isinstance(cause, ssl.SSLError) and cause.reason:
        detail = str(cause.reason).replace("_", " ").lower()
    else:
        detail = str(cause).rstrip(".")
    return TLSError(
        f"TLS error talking to {host}: {detail}. Check that the issuer URL is right and that "
        "the server speaks HTTPS on that port."
    )


def _environment_proxy(url: str) -> tuple[str, bool]:
    """The proxy requests takes for ``url`` from the environment, without its credentials,
    and whether its URL holds a user name."""
    from requests.utils import get_environ_proxies, select_proxy

    proxy = select_proxy(url, get_environ_proxies(url)) or ""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    shown = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return shown, bool(parts.username)


def _proxy_error(url: str, host: str, exc: BaseException) -> NetworkError:
    """What went wrong on the way through the proxy set in HTTPS_PROXY / HTTP_PROXY."""
    proxy, has_credentials = _environment_proxy(url)
    variable = "HTTPS_PROXY" if url.startswith("https:") else "HTTP_PROXY"
    cause = _root_cause(exc)
    text = str(cause)
    if isinstance(cause, ConnectionRefusedError):
        what = "the proxy refused the connection (is it running, and on that port?)"
    elif isinstance(cause, socket.gaierror):
        what = "the proxy's host name was not found"
    elif isinstance(cause, TimeoutError):
        what = "the proxy did not answer in time"
    elif " 407 " in f" {text} " and has_credentials:
        what = f"the proxy did not accept the user name and password in {variable} (407)"
    elif " 407 " in f" {text} ":
        what = (
            "the proxy wants a user name and password (407); put them in the proxy URL, "
            f"{variable}=http://USER:PASSWORD@HOST:PORT"
        )
    elif "Tunnel connection failed:" in text:
        status = text.split("Tunnel connection failed:", 1)[1].strip()
        what = f"the proxy would not connect to it ({status})"
    else:
        what = _describe_network_error(exc, 0)
    return NetworkError(
        f"Cannot reach {host} through the proxy {proxy}: {what}. The proxy comes from "
        f"{variable}; set NO_PROXY={urlsplit(url).hostname} to go to {host} directly."
    )


def _oauth_error_suffix(body: dict[str, Any]) -> str:
    error = body.get("error")
    return f" (error {error!r})" if isinstance(error, str) else ""


# --- the client -------------------------------------------------------------------------------


def _ssl_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """The operating system's trust store, plus the CA certificates in ``ca_bundle``."""
    import truststore

    context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=str(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise CABundleError(
                f"Cannot use --ca-bundle {ca_bundle}: {reason}. It must be a PEM file of CA "
                "certificates."
            ) from exc
    return context


def _requests_session(context: ssl.SSLContext) -> requests.Session:
    import requests
    from requests.adapters import HTTPAdapter

    class TrustStoreAdapter(HTTPAdapter):
        """Verifies TLS with ``context`` only (requests would add certifi's CAs to it)."""

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs["ssl_context"] = context
            super().init_poolmanager(*args, **kwargs)

        def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
            kwargs["ssl_context"] = context
            return super().proxy_manager_for(*args, **kwargs)

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            conn.cert_reqs = "CERT_REQUIRED"
            conn.ca_certs = None
            conn.ca_cert_dir = None

    session = requests.Session()
    session.mount("https://", TrustStoreAdapter())
    session.headers["User-Agent"] = USER_AGENT
    # A no-op auth keeps requests from adding ~/.netrc credentials, which would replace the
    # bearer token and send a password nobody asked to send.
    session.auth = lambda request: request
    return session


class HttpClient:
    """JSON over HTTPS with every failure turned into a ``DesktopAuthError``.

    Redirects are not followed (an OAuth endpoint that redirects is misconfigured, and a
    redirected POST would resend a password). Thread-safe enough for concurrent calls.
    """

    def __init__(
        self,
        ca_bundle: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    ) -> None:
        """``timeout``: for connecting and for each read; ``total_timeout``: for the whole
        answer (at least ``timeout``)."""
        self._ca_bundle = ca_bundle
        self._timeout = timeout
        self._total_timeout = max(total_timeout, timeout)
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    @property
    def timeout(self) -> float:
        return self._timeout

    def _requests(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                self._session = _requests_session(_ssl_context(self._ca_bundle))
            return self._session

    def get_json(self, url: str, *, bearer: str | None = None) -> JsonResponse:
        """GET ``url``; see ``request``."""
        return self.request("GET", url, bearer=bearer)

    def post_form(
        self,
        url: str,
        data: Mapping[str, str],
        *,
        bearer: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        require_json: bool = True,
    ) -> JsonResponse:
        """POST ``data`` form-encoded to ``url``; see ``request``."""
        return self.request(
            "POST", url, data=data, bearer=bearer, basic_auth=basic_auth, require_json=require_json
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        data: Mapping[str, str] | None = None,
        json_body: Mapping[str, Any] | None = None,
        bearer: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        require_json: bool = True,
    ) -> JsonResponse:
        """The response when its body is a JSON object (even for 4xx: OAuth errors are JSON).

        ``data`` is sent form-encoded, ``json_body`` as JSON (an app's own API).

        ``basic_auth``: a confidential client's (client_id, client_secret), sent as
        ``client_secret_basic`` (RFC 6749 §2.3.1).

        Raises NetworkError, TLSError, ServerError (5xx, a redirect, HTML or malformed or
        oversized JSON, another status without a JSON body) or ProtocolError (a URL refused).
        With ``require_json=False`` a successful empty or non-JSON body reads as ``{}``.
        """
        import requests

        check_url(url)
        host = urlsplit(url).netloc
        # Loopback (the embedded server, a browser sign-in's redirect) never goes through a
        # proxy from HTTPS_PROXY / HTTP_PROXY: the proxy's 127.0.0.1 is not this computer.
        # None keeps the environment's proxy for that scheme out (requests drops it then).
        # A copy: requests adds the environment's other proxies to the dict it is given.
        proxies = dict(_NO_PROXY) if is_loopback_host(urlsplit(url).hostname or "") else None
        headers = {"Accept": "application/json"}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        elif basic_auth is not None:
            headers["Authorization"] = client_secret_basic(*basic_auth)
        sent_at = time.time()
        started = time.monotonic()
        try:
            with self._requests().request(
                method,
                url,
                data=data,
                json=json_body,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
                proxies=proxies,
            ) as response:
                local_time = (sent_at + time.time()) / 2
                status, reason = response.status_code, response.reason or ""
                response_headers = {name.lower(): v for name, v in response.headers.items()}
                if response.is_redirect:
                    location = response.headers.get("Location", "?")
                    raise ServerError(
                        f"{url} redirects to {location}. Use the issuer URL the server itself "
                        "reports; OAuth endpoints must not redirect."
                    )
                body = self._read_body(response, url, host, started + self._total_timeout)
        except DesktopAuthError:
            raise
        except requests.exceptions.ProxyError as exc:
            raise _proxy_error(url, host, exc) from exc
        except requests.exceptions.SSLError as exc:
            raise _tls_error(host, exc) from exc
        except requests.exceptions.Timeout as exc:
            raise NetworkError(
                f"Cannot reach {host}: no answer within {self._timeout:g} s"
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            described = _describe_network_error(exc, self._timeout)
            raise NetworkError(f"Cannot reach {host}: {described}") from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
            raise ProtocolError(f"{url!r} is not a usable URL.") from exc
        except requests.exceptions.RequestException as exc:
            raise NetworkError(f"The request to {host} failed: {exc}") from exc
        return self._parse(
            url, host, status, reason, response_headers, body, require_json, local_time
        )

    def _read_body(
        self, response: requests.Response, url: str, host: str, deadline: float
    ) -> bytes:
        """The body, read as it arrives so that ``deadline`` (time.monotonic()) holds even
        when each read brings a byte just before the per-read timeout."""
        from urllib3.exceptions import HTTPError as Urllib3Error
        from urllib3.exceptions import ReadTimeoutError

        body = b""
        try:
            while chunk := response.raw.read1(65536, decode_content=True):
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise ServerError(
                        f"{url} sent more than {MAX_BODY_BYTES} bytes; that is not an "
                        "OAuth or OpenID Connect response."
                    )
                if time.monotonic() > deadline:
                    raise NetworkError(
                        f"{host} is answering too slowly: its answer was not complete within "
                        f"{self._total_timeout:g} s. Check your network, or try again later."
                    )
        except ReadTimeoutError as exc:
            raise NetworkError(
                f"Cannot reach {host}: the answer stopped arriving (nothing for "
                f"{self._timeout:g} s). Check your network, or try again later."
            ) from exc
        except Urllib3Error as exc:
            described = _describe_network_error(exc, self._timeout)
            raise NetworkError(f"The answer from {host} broke off: {described}") from exc
        return body

    @staticmethod
    def _parse(
        url: str,
        host: str,
        status: int,
        reason: str,
        headers: dict[str, str],
        body: bytes,
        require_json: bool,
        local_time: float,
    ) -> JsonResponse:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        document: object = None
        problem = ""
        if content_type == "text/html" or body.lstrip()[:1] == b"<":
            problem = (
                "did not return JSON but an HTML page; is this an OpenID Connect server, "
                "and is the issuer URL right?"
            )
        elif body.strip():
            try:
                document = json.loads(body)
            except ValueError as exc:
                problem = f"did not return JSON ({exc}); is this an OpenID Connect server?"
            else:
                if not isinstance(document, dict):
                    problem = "returned JSON that is not an object"
        else:
            problem = "returned an empty body where JSON was expected"

        if status >= 500:
            extra = _oauth_error_suffix(document) if isinstance(document, dict) else ""
            raise ServerError(
                f"{host} answered HTTP {status} {reason}{extra} for {url}: the server has a "
                "problem; try again later or tell its administrator."
            )
        if isinstance(document, dict):
            return JsonResponse(url, status, reason, document, headers, local_time)
        if 200 <= status < 300:
            if not require_json:
                return JsonResponse(url, status, reason, {}, headers, local_time)
            raise ServerError(f"{url} {problem}")
        raise HttpStatusError(f"{host} answered HTTP {status} {reason} for {url}", status)

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOTAL_TIMEOUT",
    "MAX_BODY_BYTES",
    "HttpClient",
    "HttpStatusError",
    "JsonResponse",
    "check_url",
    "client_secret_basic",
    "is_loopback_host",
    "normalize_issuer",
]
