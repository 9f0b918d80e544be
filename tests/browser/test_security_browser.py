"""The dashboard server is safe by default: this computer only, no code from the browser, no files.

Plain HTTP and websocket requests against the session's Voila server (started as ``natsam serve``
starts it): the server listens on 127.0.0.1 only; code a browser sends over a dashboard's kernel
websocket is not run (Voila passes on only the message types widgets use, and the dashboards send
no other: kernel_info_request, comm_open, comm_msg, comm_close); no file outside the dashboards'
images is served (no notebook source, nothing from the data directory or the project, whatever
the path's spelling), and none of Jupyter's APIs for files, sessions, terminals or kernel lists.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1

from natsam_analysis import config, serve
from natsam_analysis.cli import build_parser

#: A dashboard whose ready kernel the websocket test takes (one the other tests use little).
NOTEBOOK = "portfolj.ipynb"
PROTOCOL_V1 = "v1.kernel.websocket.jupyter.org"


def get(server, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (no normalisation of ``..`` or ``%2e``), following redirects
    on the server; (status, body)."""
    for _ in range(5):
        connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            status, body, location = response.status, response.read(), response.getheader("Location")
        finally:
            connection.close()
        if status not in (301, 302, 303, 307, 308) or not location or not location.startswith("/"):
            return status, body
        path = location
    raise AssertionError(f"{path}: too many redirects")


# ------------------------------------------------------------------------------- this computer only
def other_address() -> str | None:
    """An IPv4 address of this machine that is not a loopback address, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # a documentation address: nothing is sent (UDP)
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_the_server_listens_on_this_computer_only_by_default(voila) -> None:
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    assert "--Voila.ip=127.0.0.1" in serve.voila_command(config.dashboards_dir(), serve.DEFAULT_HOST, 8866)
    assert voila.host == "127.0.0.1"
    with socket.create_connection(("127.0.0.1", voila.port), timeout=5):
        pass
    address = other_address()
    if address is None:
        pytest.skip("this machine has no network address other than loopback to try")
    with pytest.raises(OSError):  # refused: nothing listens there
        socket.create_connection((address, voila.port), timeout=5).close()


# ------------------------------------------------------------------------------ no code from a page
def message(msg_type: str, content: dict, session: str) -> dict:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "",
              "version": "5.3", "date": "2024-01-01T00:00:00.000000Z"}
    return {"header": header, "parent_header": {}, "metadata": {}, "content": content, "buffers": [],
            "channel": "shell"}


def encode_v1(msg: dict) -> bytes:
    """A message in the websocket protocol the dashboards' pages speak (v1.kernel.websocket.jupyter.org)."""
    return serialize_msg_to_ws_v1(msg, msg["channel"], pack=lambda part: json.dumps(part).encode())


def decode(frame: str | bytes) -> dict:
    """A message from the websocket, in either protocol (without its metadata, content and buffers)."""
    if isinstance(frame, str):
        return json.loads(frame)
    channel, parts = deserialize_msg_from_ws_v1(frame)
    return {"channel": channel, "header": json.loads(parts[0]), "parent_header": json.loads(parts[1])}


def reply_to(ws, msg_id: str, timeout: float = 60.0) -> dict:
    """The first message on the websocket in answer to the message ``msg_id``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        msg = decode(ws.recv())
        if msg["channel"] == "shell" and msg["parent_header"].get("msg_id") == msg_id:
            return msg
    raise AssertionError(f"no answer to {msg_id} within {timeout} s")


def delete_kernel(server, kernel_id: str, xsrf: str | None) -> int:
    """Ask the server to shut a kernel down, as a page does (with its XSRF token) or without it."""
    headers = {"Cookie": f"_xsrf={xsrf}", "X-XSRFToken": xsrf} if xsrf else {}
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        connection.request("DELETE", f"/api/kernels/{kernel_id}", headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize("protocol", [PROTOCOL_V1, None], ids=["v1", "json"])
def test_code_sent_over_a_kernel_websocket_is_not_run(voila, protocol: str | None, tmp_path: Path) -> None:
    websocket = pytest.importorskip("websocket")
    with urllib.request.urlopen(voila.url(NOTEBOOK), timeout=120) as response:
        html = response.read().decode("utf-8")
        xsrf = next(re.match(r"_xsrf=([^;]+)", c).group(1) for c in response.headers.get_all("Set-Cookie")
                    if c.startswith("_xsrf="))
    kernel_id = re.search(r'"kernelId": "([0-9a-f-]{36})"', html).group(1)
    marker = tmp_path / "from-the-browser.txt"
    session = uuid.uuid4().hex
    ws = websocket.create_connection(
        f"ws://{voila.host}:{voila.port}/api/kernels/{kernel_id}/channels?session_id={session}",
        subprotocols=[protocol] if protocol else None, timeout=60)
    try:
        send = (lambda msg: ws.send_binary(encode_v1(msg))) if protocol else (lambda msg: ws.send(json.dumps(msg)))
        code = f"open({str(marker)!r}, 'w').write('run')"
        send(message("execute_request", {"code": code, "silent": False, "store_history": False,
                                         "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
                     session))
        # The kernel answers shell requests in order: had it received the code, it would have run it
        # before answering this (a message type the pages do send, so it must get through).
        info = message("kernel_info_request", {}, session)
        send(info)
        assert reply_to(ws, info["header"]["msg_id"])["header"]["msg_type"] == "kernel_info_reply"
        assert delete_kernel(voila, kernel_id, None) == 403, "another site cannot shut the kernel down"
    finally:
        ws.close()
        shut_down = delete_kernel(voila, kernel_id, xsrf)
    assert shut_down == 204, "the page's own request to shut its kernel down works"
    time.sleep(0.5)
    assert not marker.exists(), "code sent by a browser was run"
    log = voila.log_path.read_text(encoding="utf-8", errors="replace")
    assert 'Received message of type "execute_request", which is not allowed. Ignoring.' in log


# ------------------------------------------------------------------------------------ no files
def secret_paths() -> list[tuple[str, bytes]]:
    """(path, bytes the answer must not hold): project files, notebook sources, the data directory."""
    dashboards = config.dashboards_dir()
    project = dashboards.parent
    up = os.path.relpath(project, dashboards).replace(os.sep, "/")  # ".."
    manifest = next(config.data_dir().rglob("manifest.json"), None)
    paths = [
        (f"/voila/files/{up}/pyproject.toml", b"[build-system]"),
        ("/voila/files/%2e%2e/pyproject.toml", b"[build-system]"),
        ("/voila/files/%2e%2e%2fpyproject.toml", b"[build-system]"),
        ("/voila/files/..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd", b"root:"),
        ("/voila/files//etc/passwd", b"root:"),
        ("/voila/files/kommunprofil.ipynb", b'"cells"'),
        ("/voila/files/voila.json", b"{"),
        ("/voila/render/%2e%2e/pyproject.toml", b"[build-system]"),
        ("/voila/render/%2e%2e/notebooks/01_oversikt.ipynb", b"jp-Cell"),  # would run a research notebook
        ("/voila/render/..%2fnotebooks%2f01_oversikt.ipynb", b"jp-Cell"),
        ("/voila/static/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd", b"root:"),
        ("/voila/static/../../../../../../../../etc/passwd", b"root:"),
        ("/voila/templates/natsam/static/../conf.json", b"base_template"),
        ("/voila/templates/natsam/static/%2e%2e/conf.json", b"base_template"),
        ("/voila/templates/natsam/static/../../../../../../../../../etc/passwd", b"root:"),
        ("/voila/labextensions/../../../../../../../../etc/passwd", b"root:"),
        ("/voila/api/themes/../../../../../../../../etc/passwd", b"root:"),
        ("/voila/api/contents/kommunprofil.ipynb?content=1", b'"cells"'),
        # Jupyter's APIs and pages: none is there (a 404 page or error in JSON at most)
        *((path, b'"cells"') for path in (
            "/api/contents", "/api/contents/kommunprofil.ipynb", "/api/kernels", "/api/sessions", "/api/terminals",
            "/api/kernelspecs", "/api/config/notebook", "/lab", "/tree", "/notebooks/kommunprofil.ipynb",
            "/edit/kommunprofil.ipynb", "/files/kommunprofil.ipynb", "/nbconvert/html/kommunprofil.ipynb",
            "/terminals/1")),
    ]
    if manifest is not None:
        relative = os.path.relpath(manifest, dashboards).replace(os.sep, "/")
        paths.append((f"/voila/files/{relative}", b'"sha256"'))
        paths.append((f"/voila/files/{relative.replace('..', '%2e%2e')}", b'"sha256"'))
    return paths


def test_nothing_but_the_dashboards_is_served(voila) -> None:
    served = []
    for path, secret in secret_paths():
        status, body = get(voila, path)
        if path.startswith("/voila/api/contents/"):  # a directory listing of dashboards/, no file content
            if status == 200 and json.loads(body)["content"] is not None:
                served.append((path, status))
        elif status < 400 or secret in body:
            served.append((path, status))
        if status >= 500:
            served.append((path, status))  # refused, but by failing: a traceback in the log
    assert served == [], f"served or failed: {served}"
    status, body = get(voila, f"/voila/render/{NOTEBOOK}")  # and the dashboards still are
    assert status == 200 and b"jupyter-config-data" in body
