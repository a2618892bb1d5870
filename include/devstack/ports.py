"""Free TCP ports for local services, chosen below the kernel's ephemeral range.

Binding port 0 returns an ephemeral port, which any outgoing connection (say, to PostgreSQL)
may take before the service binds it; ports from a fixed range below it do not move under us.
"""

from __future__ import annotations

import random
import socket

LOW, HIGH = 20_000, 32_000  # below Linux's default ip_local_port_range (32768-60999)
_handed_out: set[int] = set()  # a port is given once per process, even before it is bound


def free_port() -> int:
    for port in random.sample(range(LOW, HIGH), 200):
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free TCP port between {LOW} and {HIGH}")
