"""Loopback addresses for tests."""

from __future__ import annotations

import socket


__all__ = ["free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listened on a moment ago.

    For a test that must name a port before a server binds it, such as
    ``tavus-async train --callback-base-url http://127.0.0.1:PORT/ --listen
    127.0.0.1:PORT``. Another process may take the port in between; prefer
    port 0 wherever the server can report the port it bound.
    """
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port
