"""Which addresses may be connected to: the public ones, unless the config allows private
addresses. Pure rules on IP addresses, and the DNS look-up whose answers they judge."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence

# Never connected to unless `allow_private_addresses`: private, shared, loopback, link-local,
# multicast, reserved and unspecified ranges (IPv4-mapped, NAT64 and 6to4 IPv6 addresses are
# judged by the IPv4 address they carry).
NON_PUBLIC_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/96",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    """Whether an IP address may be connected to when private addresses are not allowed."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global and not any(ip in network for network in NON_PUBLIC_NETWORKS)


async def resolve(host: str, port: int) -> list[str]:
    """The IP addresses of `host`, in resolver order, each once."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def blocked_message(host: str, addresses: Sequence[str]) -> str:
    where = host if list(addresses) == [host] else f"{host} ({', '.join(addresses)})"
    return (
        f"{where} is not a public address; set [fetch] allow_private_addresses = true"
        " to archive private or local sites"
    )
