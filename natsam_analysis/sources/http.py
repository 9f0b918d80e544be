"""The HTTP layer shared by the data-source clients (Kolada, SCB): JSON over requests + urllib3.

:class:`ApiClient` sends JSON requests to one API and makes the failures that happen in practice
either go away or say clearly what went wrong:

* **Rate limit.** At most ``rate`` requests per second, shared by every call (and every thread) on
  one client: each request waits for its slot, ``1/rate`` seconds after the previous one.
* **Retries.** 429, 500, 502, 503 and 504 answers, timeouts and dropped connections are retried by
  :class:`urllib3.util.retry.Retry` (on every method, POST included: the APIs used here only read),
  up to ``retries`` times, waiting ``backoff * 2**(n-1)`` seconds before the n-th retry, or what a
  ``Retry-After`` header asks for (seconds or an HTTP date; at most ``max_retry_after`` seconds). A
  body cut off in transfer (fewer bytes than ``Content-Length``, a read timeout after the headers)
  is retried the same way: urllib3 only retries up to the response headers, so this layer wraps it.
  A host name that does not resolve is not retried: it means no network (or a wrong URL).
* **Clear errors.** What cannot be retried, or is still failing after the last attempt, raises
  :class:`SourceError` naming the URL, the HTTP status, the first bytes of the body and what to do.
  An HTML page where JSON was expected (a proxy or maintenance page, a wrong base URL) and a body
  that arrived complete but is not valid JSON are errors **without retry**: asking again for the
  same bytes does not repair them, and a truncated transfer is caught earlier (see above).
* **Offline.** With ``NATSAM_OFFLINE=1`` no request is sent: :class:`OfflineError` is raised.
* **Accounting.** ``requests_made`` counts the HTTP requests actually sent (retries included) and
  ``wait_seconds`` the time spent sleeping for the rate limit and backoff; ``sleep`` and ``clock``
  are injectable so that tests do not wait.

Examples
--------
>>> client = ApiClient("https://api.kolada.se/v3", rate=5.0)            # doctest: +SKIP
>>> client.get_json("municipality", {"title": "Lund"})["values"][0]["id"]  # doctest: +SKIP
'1281'
>>> client.requests_made                                                 # doctest: +SKIP
1
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from itertools import takewhile
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, InvalidHeader, MaxRetryError, NameResolutionError
from urllib3.util.retry import Retry

from natsam_analysis import config
from natsam_analysis.errors import NatsamError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: How many characters of a bad body an error message shows.
SNIPPET_CHARS = 200

_OFFLINE_HINT = "Unset NATSAM_OFFLINE to fetch, or work from the data already in the local store."
_NETWORK_HINT = (
    "Check the network connection and the base URL, or try again later; with NATSAM_OFFLINE=1 the "
    "suite works from the data already in the local store."
)


def _version() -> str:
    from natsam_analysis import __version__

    return __version__


def offline() -> bool:
    """True when ``NATSAM_OFFLINE`` asks the suite not to touch the network (``1``, ``true``, ``yes``)."""
    return config.offline()


class SourceError(NatsamError):
    """A data source could not be reached or answered something unusable.

    ``url`` is the request's URL, ``status`` the HTTP status (``None`` when no answer came) and
    ``unreachable`` true when no connection could be made at all (no network, unknown host, refused).
    """

    def __init__(self, message: str, *, url: str = "", status: int | None = None, unreachable: bool = False):
        self.url = url
        self.status = status
        self.unreachable = unreachable
        super().__init__(message)


class OfflineError(SourceError):
    """A request was about to be sent while ``NATSAM_OFFLINE`` is set."""


def snippet(body: bytes | str, limit: int = SNIPPET_CHARS) -> str:
    """The first ``limit`` characters of a body, on one line, for error messages."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


class _Retry(Retry):
    """urllib3's Retry, sleeping through the client (injectable, rate-limited, counted)."""

    client: ApiClient | None = None

    def new(self, **kw: Any) -> _Retry:
        retry = super().new(**kw)
        retry.client = self.client
        return retry

    def increment(self, *args: Any, **kwargs: Any) -> _Retry:
        # Every call follows one attempt that failed (a retryable status or a connection error).
        state = self.client._state() if self.client else None
        if state is not None:
            state.failed += 1
        error = kwargs.get("error")
        if isinstance(error, NameResolutionError):
            # A host name that does not resolve means no network (or a wrong URL): asking again after
            # a backoff only makes the user wait before the same answer.
            if state is not None:
                state.exhausted = True
            raise MaxRetryError(kwargs.get("_pool"), args[1] if len(args) > 1 else kwargs.get("url"), error) from error
        try:
            return super().increment(*args, **kwargs)
        except MaxRetryError:
            if state is not None:
                state.exhausted = True
            raise

    def get_backoff_time(self) -> float:
        consecutive = len(list(takewhile(lambda h: h.redirect_location is None, reversed(self.history))))
        if consecutive < 1:
            return 0.0
        return float(max(0.0, min(self.backoff_max, self.backoff_factor * 2 ** (consecutive - 1))))

    def sleep(self, response: Any = None) -> None:
        seconds: float | None = None
        if self.respect_retry_after_header and response is not None:
            try:
                seconds = self.get_retry_after(response)
            except InvalidHeader:
                seconds = None
        if not seconds:
            seconds = self.get_backoff_time()
        if self.client is None:  # pragma: no cover - only when used outside ApiClient
            time.sleep(seconds)
            return
        self.client._pause(seconds)
        self.client._throttle()


class _CallState(threading.local):
    failed = 0
    exhausted = False


class ApiClient:
    """A JSON client for one API with a rate limit, retries and clear errors (see the module doc).

    Parameters
    ----------
    base_url
        The API's root, e.g. ``"https://api.kolada.se/v3"``; relative paths are joined to it.
    rate
        Requests per second at most (``0`` or ``None``: no limit).
    retries
        Retries after the first attempt for 429, 5xx, timeouts and dropped connections.
    backoff
        Seconds before the first retry; doubled for each further retry (unless Retry-After says).
    timeout
        Seconds to wait for the connection and for each read.
    max_retry_after
        A ``Retry-After`` longer than this many seconds is shortened to it.
    session
        A :class:`requests.Session` to use (its http/https adapters are replaced by this client's).
    sleep, clock
        ``time.sleep`` and ``time.monotonic`` unless given (tests pass fakes that do not wait).

    Examples
    --------
    >>> client = ApiClient("https://api.kolada.se/v3", rate=2.0, retries=3)
    >>> client.url("kpi/N00999")
    'https://api.kolada.se/v3/kpi/N00999'
    >>> client.requests_made, client.wait_seconds
    (0, 0.0)
    """

    def __init__(
        self,
        base_url: str,
        *,
        rate: float | None = 5.0,
        retries: int = 5,
        backoff: float = 0.5,
        timeout: float = 30.0,
        max_retry_after: float = 300.0,
        user_agent: str | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        if retries < 0:
            raise NatsamError(f"ApiClient: retries={retries!r} must be 0 or more.")
        if backoff < 0 or timeout <= 0:
            raise NatsamError(f"ApiClient: backoff={backoff!r} must be >= 0 and timeout={timeout!r} > 0.")
        self.base_url = base_url.rstrip("/")
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.timeout = float(timeout)
        self.max_retry_after = float(max_retry_after)
        self.user_agent = user_agent or f"natsam-analysis/{_version()}"
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._local = _CallState()
        self._next_slot: float | None = None
        self._interval = 0.0
        self.set_rate(rate)
        self.requests_made = 0
        self.wait_seconds = 0.0

        retry = _Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            other=0,
            redirect=5,
            allowed_methods=None,  # every method, POST included
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff,
            backoff_max=max(self.max_retry_after, self.backoff),
            retry_after_max=int(self.max_retry_after),
            raise_on_status=False,  # the last answer comes back, and _decode explains it
            respect_retry_after_header=True,
        )
        retry.client = self
        self.session = session if session is not None else requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"User-Agent": self.user_agent, "Accept": "application/json"})

    # ------------------------------------------------------------------ settings and accounting

    def set_rate(self, rate: float | None) -> None:
        """Allow at most ``rate`` requests per second from now on (``0``/``None``: unlimited)."""
        if rate is not None and rate < 0:
            raise NatsamError(f"ApiClient: rate={rate!r} must be a positive number of requests per second.")
        self.rate = float(rate) if rate else 0.0
        self._interval = 1.0 / self.rate if self.rate else 0.0

    def _state(self) -> _CallState:
        return self._local

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)
            with self._lock:
                self.wait_seconds += seconds

    def _throttle(self) -> None:
        """Wait for this request's slot: ``1/rate`` seconds after the previous request's."""
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            start = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = start + self._interval
            wait = start - now
            if wait > 0:
                self._sleep(wait)  # inside the lock: later callers queue behind this one
                self.wait_seconds += wait

    # ------------------------------------------------------------------ requests

    def url(self, path_or_url: str) -> str:
        """An absolute URL: ``path_or_url`` itself when it is one, else joined to the base URL."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def get_json(self, path_or_url: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``path_or_url`` (relative to the base URL, or absolute) and return the parsed JSON.

        Raises
        ------
        SourceError
            After the last retry, on a status that is not retried (e.g. 400, 404), on an HTML page
            or JSON that does not parse; the message names the URL and what to do.
        """
        return self._request("GET", path_or_url, params=params)

    def post_json(self, path_or_url: str, body: Any, params: dict[str, Any] | None = None) -> Any:
        """POST ``body`` as JSON to ``path_or_url`` and return the parsed JSON answer (errors as for GET)."""
        return self._request("POST", path_or_url, params=params, body=body)

    def _send(self, method: str, url: str, params: dict[str, Any] | None, body: Any) -> requests.Response:
        state = self._state()
        state.failed, state.exhausted = 0, False
        self._throttle()
        try:
            return self.session.request(
                method, url, params=params, json=body if method == "POST" else None, timeout=self.timeout,
            )
        finally:
            with self._lock:
                self.requests_made += state.failed + (0 if state.exhausted else 1)

    def _request(self, method: str, path_or_url: str, *, params: dict[str, Any] | None = None,
                 body: Any = None) -> Any:
        url = self.url(path_or_url)
        shown = requests.Request(method, url, params=params).prepare().url or url
        if offline():
            raise OfflineError(f"{shown}: not fetched because NATSAM_OFFLINE is set. {_OFFLINE_HINT}", url=shown)
        body_retries = 0
        while True:
            try:
                response = self._send(method, url, params, body)
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
                # The headers came, the body was cut off: urllib3 does not retry this, so do it here.
                if body_retries >= self.retries:
                    raise SourceError(
                        f"{shown}: the answer was cut off in transfer {body_retries + 1} times ({exc}). "
                        f"{_NETWORK_HINT}", url=shown,
                    ) from exc
                body_retries += 1
                self._pause(min(self.backoff * 2 ** (body_retries - 1), self.max_retry_after))
                continue
            except requests.exceptions.RequestException as exc:
                if self._is_body_timeout(exc) and body_retries < self.retries:
                    body_retries += 1
                    self._pause(min(self.backoff * 2 ** (body_retries - 1), self.max_retry_after))
                    continue
                raise SourceError(f"{shown}: {self._describe(exc)}. {_NETWORK_HINT}", url=shown,
                                  unreachable=self._is_unreachable(exc)) from exc
            return self._decode(response, shown)

    @staticmethod
    def _is_body_timeout(exc: Exception) -> bool:
        # A read timeout while reading the body surfaces as ConnectionError(ReadTimeoutError), without
        # MaxRetryError (which marks urllib3's own, already retried, failures).
        if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(exc, requests.exceptions.Timeout):
            return False
        reason = exc.args[0] if exc.args else None
        return not isinstance(reason, MaxRetryError) and "timed out" in str(exc).lower()

    @staticmethod
    def _is_unreachable(exc: Exception) -> bool:
        """No connection at all (refused, unknown host, connect timeout): not a server that failed."""
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return True
        reason = exc.args[0] if exc.args else None
        inner = reason.reason if isinstance(reason, MaxRetryError) else reason
        return isinstance(inner, ConnectTimeoutError)  # NewConnectionError and NameResolutionError included

    def _describe(self, exc: Exception) -> str:
        attempts = self.retries + 1
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, MaxRetryError):
            inner = reason.reason
            kind = "timed out" if "timed out" in str(inner).lower() or "timeout" in type(inner).__name__.lower() \
                else "could not connect"
            if isinstance(inner, NameResolutionError):  # not retried (see _Retry.increment)
                return f"the host name does not resolve: no network, or a wrong URL ({inner})"
            return f"no answer after {attempts} attempt(s): {kind} ({type(inner).__name__}: {inner})"
        if isinstance(exc, requests.exceptions.Timeout):
            return f"no answer within {self.timeout:g} s after {attempts} attempt(s) ({exc})"
        return f"the request failed ({type(exc).__name__}: {exc})"

    def _decode(self, response: requests.Response, url: str) -> Any:
        status = response.status_code
        content = response.content or b""
        ctype = response.headers.get("Content-Type", "").lower()
        is_html = "html" in ctype or content.lstrip()[:1] == b"<"
        if status >= 400:
            if status in RETRY_STATUSES:
                todo = (f"The server still answered {status} after {self.retries + 1} attempt(s); "
                        "try again later (completed work is kept).")
            elif status == 404:
                todo = "The path does not exist: check the ids in the request and the base URL."
            else:
                todo = "The server rejected the request: check the ids and parameters in the URL."
            kind = "an HTML page" if is_html else "this body"
            raise SourceError(
                f"{url}: HTTP {status} {response.reason or ''}".rstrip()
                + f" with {kind}: {snippet(content)!r}. {todo}",
                url=url, status=status,
            )
        if is_html:
            raise SourceError(
                f"{url}: expected JSON but got an HTML page (HTTP {status}, Content-Type "
                f"{ctype or 'missing'}): {snippet(content)!r}. The service may be down for maintenance "
                "or the base URL may point at a web page rather than the API; check it and try again.",
                url=url, status=status,
            )
        if not content.strip():
            raise SourceError(f"{url}: HTTP {status} with an empty body where JSON was expected. "
                              "Try again later; report it to the data provider if it persists.",
                              url=url, status=status)
        try:
            return json.loads(content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = f" at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
            raise SourceError(
                f"{url}: the JSON answer does not parse{where} ({exc}); {len(content)} bytes, starting "
                f"{snippet(content)!r}. It looks truncated or damaged: try again later, and report it "
                "to the data provider if it persists.",
                url=url, status=status,
            ) from exc

    def close(self) -> None:
        """Close the HTTP session's connections."""
        self.session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
