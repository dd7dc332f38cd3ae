"""Free TCP ports on loopback, for the servers tests and benchmarks start."""

from __future__ import annotations

import socket


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports. The probes stay bound until all are chosen: two probes opened
    one after the other may be given the same port, and an nginx edge whose origin then listened on
    the edge's own port answered with the origin's HTML 404 (a CI run's flake)."""
    probes = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probes.append(probe)
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def free_port() -> int:
    return free_ports(1)[0]
