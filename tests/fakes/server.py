"""A local fake HTTP server for tests of the data-source clients: real sockets, no network.

:class:`FakeServer` runs a threaded :mod:`http.server` on 127.0.0.1 at a free port and answers every
request with what a handler function returns. It records each request (method, path, query, body)
in ``requests`` so a test can assert exactly what the client sent, and how often.

Faults are scripted per test with :class:`Script`: a queue of responses for a path (prefix) that are
served first, in order, before the normal handler takes over, e.g. a 429 with ``Retry-After`` and then
the real answer. The helpers build the usual faults:

* :meth:`Response.json_body` - a JSON answer; :meth:`Response.html` - an HTML error page;
* :meth:`Response.truncated_json` - a complete HTTP answer whose JSON body is cut short;
* ``Response(..., delay=s)`` - wait ``s`` seconds before answering (a client timeout);
* ``Response(..., cut_after=n)`` - announce the full ``Content-Length`` but send ``n`` bytes and
  close the connection (a transfer cut off mid-body);
* ``Response(..., drop=True)`` - close the connection without any answer.

Examples
--------
>>> import json, urllib.request
>>> with FakeServer(lambda req: Response.json_body({"path": req.path})) as server:
...     data = json.load(urllib.request.urlopen(server.url + "/v3/kpi?per_page=5"))
>>> data["path"], server.requests[0].query["per_page"]
('/v3/kpi', '5')
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Request:
    """One request as the server received it."""

    method: str
    path: str  # percent-decoded, without the query
    query: dict[str, str]  # last value of each parameter
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    raw_path: str = ""  # path and query exactly as sent

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    """What the server sends back (see the module doc for the fault options)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"
    delay: float = 0.0
    cut_after: int | None = None
    drop: bool = False

    @classmethod
    def json_body(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        """A JSON answer."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return cls(status=status, body=body, headers=dict(headers or {}))

    @classmethod
    def error(cls, status: int, retry_after: str | int | None = None, message: str = "") -> Response:
        """A JSON error answer (429, 500, ...), with a ``Retry-After`` header when given."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return cls.json_body({"error": message or f"status {status}"}, status=status, headers=headers)

    @classmethod
    def html(cls, status: int = 200, title: str = "Service Unavailable") -> Response:
        """An HTML page, as a proxy or a maintenance page would send."""
        page = (f"<!DOCTYPE html><html><head><title>{title}</title></head>"
                f"<body><h1>{title}</h1><p>Please try again later.</p></body></html>")
        return cls(status=status, body=page.encode("utf-8"), content_type="text/html; charset=utf-8")

    @classmethod
    def truncated_json(cls, payload: Any, keep: float = 0.5) -> Response:
        """A well-formed HTTP answer whose JSON body stops after ``keep`` of its bytes."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return cls(body=body[: max(1, int(len(body) * keep))])


Handler = Callable[[Request], Response]


class Script:
    """Scripted responses served before a fallback handler.

    ``script.add("/v3/data", r1, r2)`` queues ``r1`` then ``r2`` for the next requests whose path
    starts with ``/v3/data``; when no queued response matches, ``fallback`` answers (404 if none).
    ``script.after(n, prefix, *responses)`` serves the queued responses only once ``n`` requests matching
    the prefix have been answered normally (e.g. a fault after the third data chunk).
    """

    def __init__(self, fallback: Handler | None = None):
        self.fallback = fallback
        self._queues: list[tuple[str, int, deque[Response]]] = []
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, prefix: str, *responses: Response) -> Script:
        return self.after(0, prefix, *responses)

    def after(self, count: int, prefix: str, *responses: Response) -> Script:
        with self._lock:
            self._queues.append((prefix, count, deque(responses)))
        return self

    def pending(self) -> int:
        """Scripted responses not served yet."""
        with self._lock:
            return sum(len(q) for _, _, q in self._queues)

    def __call__(self, request: Request) -> Response:
        with self._lock:
            for prefix, count, queue in self._queues:
                if queue and request.path.startswith(prefix) and self._seen.get(prefix, 0) >= count:
                    return queue.popleft()
            for prefix, _, _ in self._queues:
                if request.path.startswith(prefix):
                    self._seen[prefix] = self._seen.get(prefix, 0) + 1
        if self.fallback is None:
            return Response.error(404, message=f"no handler for {request.path}")
        return self.fallback(request)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 at a free port, answering with ``handler(request)``.

    Use it as a context manager (``with FakeServer(handler) as server:``) or call :meth:`start` and
    :meth:`stop`. ``url`` is ``http://127.0.0.1:<port>``; ``requests`` lists every request received.
    """

    def __init__(self, handler: Handler):
        self.handler = handler
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeServer is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def paths(self) -> list[str]:
        """The paths of the requests received so far, in order."""
        with self._lock:
            return [r.path for r in self.requests]

    def clear(self) -> None:
        """Forget the requests received so far."""
        with self._lock:
            self.requests.clear()

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def start(self) -> FakeServer:
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                request = Request(self.command, unquote(parts.path), query, body,
                                  {k: v for k, v in self.headers.items()}, self.path)
                fake._record(request)
                try:
                    response = fake.handler(request)
                except Exception as exc:  # a bug in a test handler: answer 599 and say what it was
                    response = Response(status=599, body=f"fake handler failed: {exc!r}".encode(),
                                        content_type="text/plain")
                if response.delay:
                    time.sleep(response.delay)
                if response.drop:
                    self.close_connection = True
                    return
                try:
                    self.send_response(response.status)
                    self.send_header("Content-Type", response.content_type)
                    self.send_header("Content-Length", str(len(response.body)))
                    for key, value in response.headers.items():
                        self.send_header(key, value)
                    if response.cut_after is not None:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    if response.cut_after is not None:
                        self.wfile.write(response.body[: response.cut_after])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    self.wfile.write(response.body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._server = _Server(("127.0.0.1", 0), RequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-http-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serving(handler: Handler) -> Iterator[FakeServer]:
    """``with serving(handler) as server:`` - start a :class:`FakeServer`, stop it afterwards.

    Also handy for a pytest fixture: ``yield from``-style via ``with serving(h) as s: yield s``.
    """
    server = FakeServer(handler).start()
    try:
        yield server
    finally:
        server.stop()


def routes(table: Iterable[tuple[str, Handler]], default: Handler | None = None) -> Handler:
    """A handler dispatching on the longest matching path prefix, e.g. ``routes([("/v3/kpi", h)])``."""
    ordered = sorted(table, key=lambda item: len(item[0]), reverse=True)

    def handle(request: Request) -> Response:
        for prefix, handler in ordered:
            if request.path.startswith(prefix):
                return handler(request)
        if default is not None:
            return default(request)
        return Response.error(404, message=f"no route for {request.path}")

    return handle
