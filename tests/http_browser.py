"""A browser made of an HTTP client, for the browser sign-in tests: it is handed the sign-in
address as the system browser would be, then follows redirects and submits forms in a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.server.conftest import ALICE, LoginPage

PAGE_TIMEOUT_SECONDS = 60


class HttpBrowser:
    """Cookies, redirects and forms, with requests; no JavaScript (the sign-in pages need none)."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def open(self, url: str, **kw: Any) -> requests.Response:
        """GET ``url``, following redirects (to the app's loopback listener, in the end)."""
        return self.http.get(url, timeout=PAGE_TIMEOUT_SECONDS, **kw)

    def submit(
        self, page: requests.Response, *, follow: bool = True, **fields: str
    ) -> requests.Response:
        """Post the page's form back to its own URL (the forms here have no action), with its
        hidden fields and ``fields`` filled in, as pressing its button does."""
        form = LoginPage(page.text)
        assert form.has_form, f"no form at {page.url}: {page.text[:500]}"
        return self.http.post(
            page.url,
            data={**form.fields, **fields},
            timeout=PAGE_TIMEOUT_SECONDS,
            allow_redirects=follow,
        )

    def close(self) -> None:
        self.http.close()


Scenario = Callable[[HttpBrowser, str], requests.Response | None]


class BrowserRobot:
    """``open_browser`` for a browser sign-in: acts out ``scenario(browser, url)`` in a thread,
    as a person would in the browser the app opened. ``finish()`` returns the last page."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.browser = HttpBrowser()
        self.url: str | None = None
        self.opened = threading.Event()
        self._page: requests.Response | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, url: str) -> None:
        assert self._thread is None, "the app opened the browser twice"
        self.url = url
        self._thread = threading.Thread(target=self._run, name="http-browser", daemon=True)
        self._thread.start()
        self.opened.set()

    def _run(self) -> None:
        assert self.url is not None
        try:
            self._page = self.scenario(self.browser, self.url)
        except BaseException as exc:  # re-raised in the test's thread by finish()
            self._error = exc

    @property
    def params(self) -> dict[str, str]:
        """The query parameters of the address the app opened."""
        assert self.url is not None, "the app did not open the browser"
        return query_params(self.url)

    @property
    def redirect_uri(self) -> str:
        return self.params["redirect_uri"]

    def finish(self, timeout: float = PAGE_TIMEOUT_SECONDS * 2) -> requests.Response | None:
        """The scenario's last page, once it is done; its exception if it failed."""
        try:
            if self._thread is not None:
                self._thread.join(timeout)
                assert not self._thread.is_alive(), "the browser is still busy"
            if self._error is not None:
                raise self._error
            return self._page
        finally:
            self.browser.close()


def query_params(url: str) -> dict[str, str]:
    """A URL's query parameters (each appears once in OAuth messages)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def alice_signs_in(browser: HttpBrowser, url: str) -> requests.Response:
    """Alice types her credentials into the server's login page; the browser follows the
    redirect to the app, whose page it returns."""
    page = browser.open(url)
    assert page.status_code == 200, page.text
    return browser.submit(page, username=ALICE[0], password=ALICE[1], action="login")
