"""The server's HTTP protocol: a response head goes out with its body, in one write.

The unit half checks the transport wrapper's write sequence; the other half runs uvicorn with
the protocol on a real socket and checks that what clients receive is unchanged: keep-alive
requests in a row, a streamed body, a response without a body, and uvicorn's own 400.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from leerid_sim.http_protocol import CoalescingHttpToolsProtocol, _HeadHoldingTransport


class _Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


def test_head_and_body_are_one_write() -> None:
    raw = _Recorder()
    transport = _HeadHoldingTransport(raw)
    transport.write(HEAD)
    assert raw.writes == []
    transport.write(b"{}")
    assert raw.writes == [HEAD + b"{}"]


def test_a_body_that_looks_like_a_status_line_is_not_held() -> None:
    raw = _Recorder()
    transport = _HeadHoldingTransport(raw)
    transport.write(HEAD)
    transport.write(b"x")
    transport.write(b"HTTP/1.1 200 this is body text")
    assert raw.writes == [HEAD + b"x", b"HTTP/1.1 200 this is body text"]
    transport.expect_head = True  # the response is complete: the next write is a head again
    transport.write(HEAD)
    assert len(raw.writes) == 2


def test_interim_response_is_not_held() -> None:
    raw = _Recorder()
    transport = _HeadHoldingTransport(raw)
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert raw.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]


def test_close_and_flush_send_a_held_head() -> None:
    raw = _Recorder()
    transport = _HeadHoldingTransport(raw)
    transport.write(HEAD)
    transport.close()
    assert raw.writes == [HEAD]
    assert raw.closed
    again = _Recorder()
    transport = _HeadHoldingTransport(again)
    transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    transport.flush()
    assert again.writes == [b"HTTP/1.1 204 No Content\r\n\r\n"]
    assert transport.is_closing() is False  # anything else is the transport's own


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/empty":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    if path == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one,", b"two,", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    body = path.encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        _app, http=CoalescingHttpToolsProtocol, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


def test_keep_alive_requests_in_a_row(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        answers = [client.get(f"/n{i}") for i in range(20)]
    assert [a.text for a in answers] == [f"/n{i}" for i in range(20)]
    assert all(a.headers["content-length"] == str(len(a.text)) for a in answers)


def test_streamed_and_empty_bodies(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        streamed = client.get("/stream")
        empty = client.get("/empty")
        after = client.get("/after")
    assert streamed.text == "one,two,three"
    assert streamed.headers["transfer-encoding"] == "chunked"
    assert empty.status_code == 204
    assert empty.content == b""
    assert after.text == "/after"


def test_head_request(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        answer = client.head("/head")
    assert answer.status_code == 200
    assert answer.headers["content-length"] == "5"


def test_malformed_request_still_gets_uvicorns_400(base_url: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(b"NOT A REQUEST\r\n\r\n")
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 ")
