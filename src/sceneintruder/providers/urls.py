"""Is a provider base URL safe to send our requests (and keys) to? The SSRF check for user-supplied URLs.

Rules: http(s) only, no `user:password@`; link-local and cloud metadata addresses are always refused (they
hand out instance credentials); loopback is allowed for local model servers (`ollama`, `openai_compatible`,
`sdwebui`); any other private, loopback or otherwise non-global address only when ALLOW_PRIVATE_PROVIDER_URLS
is on. Plain http is accepted only towards addresses that passed as local/private: a public vendor is https.

A host name is checked by what it resolves to now (`resolve_host`); a name that does not resolve cannot be
reached either, so it passes on its literal form (this does not stop DNS rebinding later; see README).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data", "metadata.azure.internal"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)


class UnsafeURL(ValueError):
    """The base URL is refused; the message says why (it names no secret)."""


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))  # RFC 6052, RFC 8215
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d


def _address(value: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address leads to: NAT64, 6to4, Teredo, IPv4-compatible. A forbidden IPv4 stays
    forbidden in any of these forms."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    embedded: list[ipaddress.IPv4Address] = []
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in network for network in _NAT64):
        embedded.append(low32)
    if address in _IPV4_COMPATIBLE and int(address) > 1:  # not :: or ::1
        embedded.append(low32)
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)
    return embedded


def check_base_url(url: str, *, local_allowed: bool, allow_private: bool, resolved: Sequence[str] = ()) -> str:
    """The URL without a trailing slash, or UnsafeURL. `resolved`: the host's current addresses, if known."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL("base URL must start with https://")
    if parts.username or parts.password:
        raise UnsafeURL("base URL must not carry credentials")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise UnsafeURL("base URL has no host")
    if host in METADATA_HOSTS:
        raise UnsafeURL("cloud metadata addresses are never allowed")
    literal = _address(host)
    if literal is not None:
        addresses = [literal]
    elif host == "localhost" or host.endswith(".localhost"):
        addresses = [ipaddress.ip_address("127.0.0.1")]
    else:
        addresses = [a for a in (_address(r) for r in resolved) if a is not None]
    addresses = [*addresses, *(v4 for a in addresses for v4 in _embedded_ipv4(a))]
    non_public = False
    for address in addresses:
        if address in METADATA_ADDRESSES or address.is_link_local:
            raise UnsafeURL("link-local and cloud metadata addresses are never allowed")
        if address.is_unspecified or address.is_multicast:
            raise UnsafeURL("that address cannot be a provider")
        if address.is_loopback:
            if not (local_allowed or allow_private):
                raise UnsafeURL("loopback addresses need ALLOW_PRIVATE_PROVIDER_URLS=true for this provider")
            non_public = True
        elif not address.is_global:
            if not allow_private:
                raise UnsafeURL("private addresses need ALLOW_PRIVATE_PROVIDER_URLS=true")
            non_public = True
    if scheme == "http" and not non_public:
        raise UnsafeURL("base URL must use https:// (plain http only for local or private servers)")
    return url.strip().rstrip("/")


async def resolve_host(url: str, *, within_seconds: float = 2.0) -> list[str]:
    """The addresses the URL's host resolves to now; [] when it does not resolve (or is a literal address)."""
    host = urlsplit(url.strip()).hostname or ""
    if not host or _address(host) is not None:
        return []
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), within_seconds)
    except (OSError, TimeoutError):
        return []
    return sorted({str(info[4][0]) for info in infos})
