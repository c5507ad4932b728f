"""uvicorn's httptools protocol, writing a response's head and its body in one ``send`` call.

uvicorn writes the status line and headers when the app sends ``http.response.start`` and the
body when it sends ``http.response.body``: two writes, two TCP segments and two wake-ups of the
client for an answer of a few hundred bytes (asyncio sets ``TCP_NODELAY``, so nothing merges
them). Here a response head is held back until the next write, which is the body's first part,
and both go out in one. What is on the wire is the same message (RFC 9112 §2: how a message is
split into segments is not part of it). Anything else (an interim ``100 Continue``, closing the
connection, the end of a response without a body) sends what is held first.

This builds on uvicorn's ``HttpToolsProtocol``, which is not a public API: pyproject.toml pins
uvicorn below its next major version, and ``tests/test_http_protocol.py`` checks the behaviour.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["CoalescingHttpToolsProtocol"]


class _HeadHoldingTransport:
    """A connection's transport that holds a response head back until the next write.

    Only the first write of a response is taken for its head (``expect_head``, set again when
    the response is complete): a body whose bytes happen to begin like a status line is never
    held.
    """

    __slots__ = ("_held", "_transport", "expect_head")

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._held = b""
        self.expect_head = True

    def write(self, data: bytes) -> None:
        if self._held:
            data, self._held = self._held + data, b""
        elif self.expect_head and data.startswith(b"HTTP/1.") and data[9:10] != b"1":
            self._held = data  # a final response's head (a 1xx is interim: sent at once)
            self.expect_head = False
            return
        self._transport.write(data)

    def flush(self) -> None:
        if self._held:
            data, self._held = self._held, b""
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` whose response heads go out together with their bodies."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.transport = _HeadHoldingTransport(transport)  # type: ignore[assignment]

    def on_response_complete(self) -> None:
        self.transport.flush()  # type: ignore[attr-defined]
        self.transport.expect_head = True  # type: ignore[attr-defined]
        super().on_response_complete()
