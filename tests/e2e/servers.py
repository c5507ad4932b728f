"""Run ASGI apps with uvicorn on free ports in background threads, for tests over real HTTP.

Starting the provider with uvicorn and talking to it over HTTP is simpler and
more faithful than in-process transports; rp_demo and the browser need real URLs anyway.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

__all__ = ["bound_socket", "serve"]


def bound_socket() -> socket.socket:
    """A listening-ready socket on 127.0.0.1 with a free port (held, so no other test takes it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve(app: Any, sock: socket.socket, **ssl_files: str) -> Iterator[str]:
    """Serve ``app`` on ``sock`` until the block ends; yields its base URL.

    With ``ssl_certfile`` and ``ssl_keyfile`` it serves https.
    """
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False, **ssl_files)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    host, port = sock.getsockname()[:2]
    try:
        yield f"{'https' if ssl_files else 'http'}://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
