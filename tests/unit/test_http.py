"""The shared HTTP layer: rate limit, retries with backoff and Retry-After, clear errors, accounting.

Every test talks to a real local socket (tests/fakes/server.py); sleeping goes through a fake clock,
so retry tests do not wait.
"""

from __future__ import annotations

import email.utils
import threading
import time

import pytest
from fakes.clock import FakeClock
from fakes.server import FakeServer, Response, Script

from natsam_analysis.sources.http import ApiClient, OfflineError, SourceError, snippet

OK = {"values": [{"id": "0180"}]}



@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def ok(_request) -> Response:
    return Response.json_body(OK)


def client_for(server: FakeServer, clock: FakeClock, **kw) -> ApiClient:
    kw.setdefault("rate", None)
    kw.setdefault("retries", 3)
    kw.setdefault("timeout", 5.0)
    return ApiClient(server.url + "/v3", sleep=clock.sleep, clock=clock, **kw)


def test_get_json_sends_one_request_with_user_agent_and_params(clock: FakeClock) -> None:
    with FakeServer(ok) as server:
        client = client_for(server, clock)
        assert client.get_json("municipality", {"title": "Lund"}) == OK
        (req,) = server.requests
    assert (req.method, req.path, req.query) == ("GET", "/v3/municipality", {"title": "Lund"})
    assert req.headers["User-Agent"].startswith("natsam-analysis/")
    assert client.requests_made == 1 and client.wait_seconds == 0 and clock.sleeps == []


def test_absolute_url_is_used_as_is(clock: FakeClock) -> None:
    with FakeServer(ok) as server:
        client = ApiClient("http://127.0.0.1:9/unused", sleep=clock.sleep, clock=clock, rate=None)
        client.get_json(server.url + "/v3/kpi?page=2&per_page=5000")
        assert server.requests[0].query == {"page": "2", "per_page": "5000"}


def test_429_with_retry_after_seconds_is_honoured(clock: FakeClock) -> None:
    script = Script(ok).add("/v3", Response.error(429, retry_after=7))
    with FakeServer(script) as server:
        client = client_for(server, clock)
        assert client.get_json("kpi") == OK
        assert len(server.requests) == 2
    assert client.requests_made == 2
    assert clock.sleeps == [7.0] and client.wait_seconds == 7.0


def test_429_with_retry_after_http_date_is_honoured(clock: FakeClock) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    script = Script(ok).add("/v3", Response.error(429, retry_after=when))
    with FakeServer(script) as server:
        client = client_for(server, clock)
        assert client.get_json("kpi") == OK
    assert client.requests_made == 2
    assert len(clock.sleeps) == 1 and 25 <= clock.sleeps[0] <= 31


def test_retry_after_is_capped(clock: FakeClock) -> None:
    script = Script(ok).add("/v3", Response.error(503, retry_after=86400))
    with FakeServer(script) as server:
        client = client_for(server, clock, max_retry_after=60)
        assert client.get_json("kpi") == OK
    assert clock.sleeps == [60.0]


def test_500_then_success_retries_once_with_backoff(clock: FakeClock) -> None:
    script = Script(ok).add("/v3", Response.error(500))
    with FakeServer(script) as server:
        client = client_for(server, clock, backoff=0.5)
        assert client.get_json("kpi") == OK
        assert len(server.requests) == 2
    assert client.requests_made == 2 and clock.sleeps == [0.5]


def test_persistent_5xx_backs_off_exponentially_then_names_url_and_status(clock: FakeClock) -> None:
    script = Script(ok).add("/v3", *[Response.error(502)] * 10)
    with FakeServer(script) as server:
        client = client_for(server, clock, retries=3, backoff=0.5)
        with pytest.raises(SourceError) as info:
            client.get_json("data/kpi/N00999/year/2024")
        assert len(server.requests) == 4
    err = info.value
    assert err.status == 502 and err.url.endswith("/v3/data/kpi/N00999/year/2024")
    assert "HTTP 502" in str(err) and "after 4 attempt(s)" in str(err) and "try again later" in str(err)
    assert client.requests_made == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_timeout_then_success_is_retried() -> None:
    clock = FakeClock()
    script = Script(ok).add("/v3", Response(body=b"{}", delay=0.6))
    with FakeServer(script) as server:
        client = client_for(server, clock, timeout=0.2)
        assert client.get_json("kpi") == OK
        assert len(server.requests) == 2
    assert client.requests_made == 2


def test_persistent_timeout_gives_a_clear_error(clock: FakeClock) -> None:
    script = Script(ok).add("/v3", *[Response(body=b"{}", delay=0.4)] * 3)
    with FakeServer(script) as server:
        client = client_for(server, clock, timeout=0.15, retries=1)
        with pytest.raises(SourceError) as info:
            client.get_json("kpi")
        assert len(server.requests) == 2
    message = str(info.value)
    assert "/v3/kpi" in message and "timed out" in message and "NATSAM_OFFLINE=1" in message
    assert info.value.status is None and client.requests_made == 2
    assert not info.value.unreachable  # the server was there, it just did not answer in time


def test_dropped_connection_then_success_is_retried(clock: FakeClock) -> None:
    script = Script(ok).add("/v3", Response(drop=True))
    with FakeServer(script) as server:
        client = client_for(server, clock)
        assert client.get_json("kpi") == OK
        assert len(server.requests) == 2
    assert client.requests_made == 2


def test_body_cut_off_in_transfer_is_retried(clock: FakeClock) -> None:
    body = b'{"values": [' + b'{"id": "0180"},' * 200 + b'{"id": "1480"}]}'
    script = Script(ok).add("/v3", Response(body=body, cut_after=100))
    with FakeServer(script) as server:
        client = client_for(server, clock)
        assert client.get_json("kpi") == OK
        assert len(server.requests) == 2
    assert client.requests_made == 2 and clock.sleeps == [0.5]


def test_html_page_on_200_is_a_clear_error_without_retry(clock: FakeClock) -> None:
    script = Script(ok).add("/v3", Response.html(200, "Underhåll pågår"))
    with FakeServer(script) as server:
        client = client_for(server, clock)
        with pytest.raises(SourceError) as info:
            client.get_json("kpi", {"title": "bredband"})
        assert len(server.requests) == 1
    message = str(info.value)
    assert "/v3/kpi?title=bredband" in message and "HTML page" in message and "Underhåll pågår" in message
    assert client.requests_made == 1


def test_html_page_on_503_is_retried_then_reported_as_html(clock: FakeClock) -> None:
    script = Script(ok).add("/v3", *[Response.html(503)] * 5)
    with FakeServer(script) as server:
        client = client_for(server, clock, retries=2)
        with pytest.raises(SourceError) as info:
            client.get_json("kpi")
        assert len(server.requests) == 3
    assert "HTTP 503" in str(info.value) and "an HTML page" in str(info.value)


def test_truncated_json_is_a_clear_error_without_retry(clock: FakeClock) -> None:
    script = Script(ok).add("/v3", Response.truncated_json({"values": [{"id": "0180", "title": "Stockholm"}] * 5}))
    with FakeServer(script) as server:
        client = client_for(server, clock)
        with pytest.raises(SourceError) as info:
            client.get_json("municipality")
        assert len(server.requests) == 1
    message = str(info.value)
    assert "/v3/municipality" in message and "does not parse" in message and '{"values": [{"id": "0180"' in message
    assert info.value.status == 200


@pytest.mark.parametrize("status, words", [(400, "check the ids and parameters"), (404, "does not exist")])
def test_client_errors_are_not_retried(clock: FakeClock, status: int, words: str) -> None:
    script = Script(ok).add("/v3", Response.error(status, message="too many values"))
    with FakeServer(script) as server:
        client = client_for(server, clock)
        with pytest.raises(SourceError) as info:
            client.get_json("data/kpi/N00999")
        assert len(server.requests) == 1
    assert info.value.status == status and words in str(info.value) and "too many values" in str(info.value)


def test_rate_limit_spaces_requests(clock: FakeClock) -> None:
    with FakeServer(ok) as server:
        client = client_for(server, clock, rate=5.0)
        for _ in range(5):
            client.get_json("kpi")
    assert client.requests_made == 5
    assert clock.sleeps == [0.2] * 4 and client.wait_seconds == pytest.approx(0.8)


def test_rate_limit_applies_to_retries_too(clock: FakeClock) -> None:
    script = Script(ok).add("/v3", Response.error(500))
    with FakeServer(script) as server:
        client = client_for(server, clock, rate=1.0, backoff=0.25)
        client.get_json("kpi")
    # backoff 0.25 s, then the rest of the 1-second slot
    assert clock.sleeps == [0.25, 0.75]


def test_set_rate_changes_the_interval(clock: FakeClock) -> None:
    with FakeServer(ok) as server:
        client = client_for(server, clock, rate=10.0)
        client.set_rate(2.0)
        client.get_json("kpi")
        client.get_json("kpi")
    assert clock.sleeps == [0.5]


def test_rate_limit_is_shared_between_threads(clock: FakeClock) -> None:
    with FakeServer(ok) as server:
        client = client_for(server, clock, rate=4.0)
        threads = [threading.Thread(target=client.get_json, args=("kpi",)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert client.requests_made == 6 and sum(clock.sleeps) == pytest.approx(5 * 0.25)


def test_post_json_sends_the_body_and_is_retried(clock: FakeClock) -> None:
    script = Script(lambda req: Response.json_body({"echo": req.json()})).add("/v3", Response.error(503, 1))
    with FakeServer(script) as server:
        client = client_for(server, clock)
        assert client.post_json("tables/TAB6471/data", {"selection": [1, 2]}) == {"echo": {"selection": [1, 2]}}
        assert [r.method for r in server.requests] == ["POST", "POST"]
    assert client.requests_made == 2 and clock.sleeps == [1.0]


def test_offline_sends_nothing(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATSAM_OFFLINE", "yes")
    with FakeServer(ok) as server:
        client = client_for(server, clock)
        with pytest.raises(OfflineError, match="NATSAM_OFFLINE"):
            client.get_json("kpi")
        assert server.requests == []
    assert client.requests_made == 0


def test_connection_refused_is_a_clear_error(clock: FakeClock) -> None:
    with FakeServer(ok) as server:
        url = server.url
    client = ApiClient(url, sleep=clock.sleep, clock=clock, rate=None, retries=1)
    with pytest.raises(SourceError, match="could not connect") as info:
        client.get_json("kpi")
    assert client.requests_made == 2 and info.value.unreachable


def test_snippet_is_one_line_and_bounded() -> None:
    assert snippet(b"<html>\n  <body>x</body>\n</html>") == "<html> <body>x</body> </html>"
    assert snippet("x" * 500, 10) == "x" * 10 + "…"


def test_a_host_name_that_does_not_resolve_is_not_retried(clock: FakeClock) -> None:
    # ".invalid" never resolves (RFC 2606): no network or a wrong URL, so no backoff before the error
    client = ApiClient("http://natsam-test.invalid/v3", rate=None, retries=5, sleep=clock.sleep, clock=clock)
    with pytest.raises(SourceError) as info:
        client.get_json("kpi")
    assert "does not resolve" in str(info.value) and "http://natsam-test.invalid/v3/kpi" in str(info.value)
    assert info.value.unreachable
    assert clock.sleeps == []
