"""Free loopback ports for the local services (Kafka, ClickHouse endpoint, HTTP servers, S3)."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that nobody listens on right now.

    The OS picks it (bind to port 0), so it cannot collide with a listening service; a small
    window remains between closing our socket and the real server binding it, which is why the
    callers bind promptly and report the server log if the bind fails anyway.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    """True when ``port`` can be bound on ``host`` (used to reuse a previous port on restart).

    SO_REUSEADDR mirrors what the JVM and most servers set, so a port whose old connections are
    still in TIME_WAIT after a clean stop counts as free, as it will be for the server.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True
