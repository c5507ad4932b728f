"""One listening socket per uvicorn worker, so that the kernel spreads connections over them.

uvicorn's supervisor binds one socket and every worker listens on it. On a readable listening
socket every worker's event loop wakes, and the first to run accepts every connection that is
waiting (libuv accepts until ``EAGAIN``). A client that opens its keep-alive connections in one
burst, as load generators and connection pools do, then often finds all of them on ONE worker,
which serves everything while the others idle: measured here with ``--workers 2`` and 8
keep-alive clients, one run in three had one worker at ~97 % of a core and the other idle.

With ``SO_REUSEPORT`` (Linux 3.9+, socket(7)) each worker listens on a socket of its own, bound
to the same address, and the kernel picks the socket for each new connection by a hash of its
addresses and ports: connections are spread over the workers whichever wakes first. The
supervisor keeps its socket bound (it reserves the port and is what uvicorn reports) but never
listens on it, so it takes no connections; each forked worker replaces its inherited copy of that
descriptor by a new socket bound to the same address (``dup2``), on which uvicorn then listens.
A worker uvicorn restarts gets a fresh one the same way.

The price: connections that a worker's own socket has queued but not yet accepted when that
worker ends (a crash, or the old worker of a ``SIGHUP`` restart) are reset, where a shared socket
let another worker accept them. A worker that cannot make its socket stops the server at start.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from typing import Any

from uvicorn.config import STARTUP_FAILURE, Config

__all__ = ["listen_per_worker"]

_SUPERVISOR_SOCKETS: list[socket.socket] = []


def _reuseport_socket(family: int, address: Any) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


def _own_listener_in_child() -> None:
    try:
        for shared in _SUPERVISOR_SOCKETS:
            own = _reuseport_socket(shared.family, shared.getsockname())
            try:
                os.dup2(own.fileno(), shared.fileno())  # the same descriptor, now this worker's
            finally:
                own.close()
    except OSError as exc:
        # Listening on the supervisor's socket instead would leave it listening after this
        # worker ends, taking connections nobody accepts: stop, as uvicorn stops a worker
        # that cannot start (its supervisor then stops too).
        os.write(2, f"leerid-sim: a worker cannot listen on its own socket: {exc}\n".encode())
        os._exit(STARTUP_FAILURE)


def listen_per_worker() -> None:
    """Make uvicorn's supervisor bind a ``SO_REUSEPORT`` socket, and every worker forked from
    it listen on a socket of its own at that address. Only for TCP (not ``--uds``/``--fd``)
    and where the platform has ``SO_REUSEPORT``; call before ``uvicorn.run`` in the supervisor,
    with workers that are forked (``serve``'s ``_fork_workers_from_a_loaded_parent``)."""
    if not hasattr(socket, "SO_REUSEPORT"):
        return
    bind = Config.bind_socket

    def bind_socket(config: Config) -> socket.socket:
        sock = bind(config)  # bound as uvicorn binds it, and reported in its log
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        address = sock.getsockname()  # the port the kernel chose, for --port 0
        sock.close()
        try:
            shared = _reuseport_socket(sock.family, address)
        except OSError as exc:  # taken by another program in between: as uvicorn says it
            logging.getLogger("uvicorn.error").error(exc)
            sys.exit(STARTUP_FAILURE)
        shared.set_inheritable(True)
        _SUPERVISOR_SOCKETS.append(shared)
        return shared

    Config.bind_socket = bind_socket  # type: ignore[method-assign,assignment]
    os.register_at_fork(after_in_child=_own_listener_in_child)
