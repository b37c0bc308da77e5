"""SSRF guard: webhook targets must be public addresses unless an operator allows a network.

The check runs when an endpoint is saved *and* when each delivery connects: a name can
resolve somewhere else later (DNS rebinding), so `GuardedResolver` resolves the host itself,
checks the address, and connects to exactly that address (TLS still checks the name); and
`guarded_socket_factory` vets the peer of every socket, whatever came before it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (family, type, proto, canonical name, sockaddr): what aiohttp hands a socket factory.
AddrInfo = tuple[Any, Any, int, str, tuple[Any, ...]]


class BlockedAddress(Exception):
    """The target resolves only to addresses webhooks may not reach."""


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """`VOUCHERD_WEBHOOK_ALLOWED_NETWORKS`: comma-separated CIDRs (`127.0.0.0/8,10.1.0.0/16`)."""
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False) for item in text.split(",") if item.strip()
    )


# IPv6 ranges that carry an IPv4 address in their last 32 bits and reach it: NAT64's
# well-known prefix (RFC 6052), IPv4-translated (SIIT, RFC 2765) and the deprecated
# IPv4-compatible form (::a.b.c.d). `ipaddress` calls most of them global, so
# [64:ff9b::127.0.0.1] would pass as a public address while a NAT64 gateway dials 127.0.0.1.
_EMBEDS_IPV4_IN_LOW_BITS = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
    ipaddress.IPv6Network("::/96"),
)
# Ranges whose IPv4 address cannot be read back reliably, refused outright (unless the
# operator allows the IPv6 network itself): NAT64 local-use (RFC 8215) puts the IPv4 address
# wherever the operator's prefix length says, and Teredo (2001::/32) tunnels through a relay
# to an obfuscated client address; neither is a reasonable webhook target.
_OPAQUE_TUNNELS = (
    (ipaddress.IPv6Network("64:ff9b:1::/48"), "a local-use NAT64 address"),
    (ipaddress.IPv6Network("2001::/32"), "a Teredo tunnel address"),
)


def _plain(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address wraps and reaches (judged by the IPv4 rules), or the
    address itself."""
    if not isinstance(address, ipaddress.IPv6Address):
        return address
    if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d
        return address.ipv4_mapped
    if address.sixtofour is not None:  # 2002:aabb:ccdd::/48, 6to4
        return address.sixtofour
    # :: and ::1 are IPv6's own unspecified and loopback addresses, not IPv4-compatible ones.
    if int(address) > 1 and any(address in net for net in _EMBEDS_IPV4_IN_LOW_BITS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def refusal(address: IPAddress, allowed: Sequence[IPNetwork]) -> str | None:
    """Why `address` may not be reached, or None when it may."""
    plain = _plain(address)
    if any(plain in net or address in net for net in allowed):
        return None
    for net, label in _OPAQUE_TUNNELS:
        if address in net:
            return f"{address} is {label}"
    # `is_global` is false for loopback, private (RFC 1918, ULA), link-local (169.254/16,
    # where cloud metadata lives), shared CGNAT space, documentation and reserved ranges.
    if plain.is_global and not plain.is_multicast:
        return None
    kind = next(
        (
            f"a {label} address"
            for label, flag in (
                ("loopback", plain.is_loopback),
                ("link-local (metadata)", plain.is_link_local),
                ("private", plain.is_private),
                ("multicast", plain.is_multicast),
            )
            if flag
        ),
        "not a public address",
    )
    if plain != address:
        return f"{address} reaches {plain}, {kind}"
    return f"{plain} is {kind}"


async def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[IPAddress, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        # Drop an IPv6 zone ("fe80::1%eth0"); the address decides.
        seen[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(seen)


async def vet(host: str, port: int, allowed: Sequence[IPNetwork]) -> IPAddress:
    """The first resolved address that may be reached; BlockedAddress if there is none."""
    try:
        addresses = await resolve(host, port)
    except OSError as exc:
        raise BlockedAddress(f"cannot resolve {host}: {exc}") from exc
    reasons: list[str] = []
    for address in addresses:
        reason = refusal(address, allowed)
        if reason is None:
            return address
        reasons.append(reason)
    raise BlockedAddress(f"{host} refused: " + "; ".join(reasons or ["no address"]))


def check_url_syntax(url: str) -> str | None:
    """A problem with the URL itself (scheme, host, port), or None."""
    try:
        parts = urlsplit(url)
        # Both parsers must accept it: `urlsplit` checks here, yarl is what delivery dials.
        port = parts.port
        URL(url).port  # noqa: B018
    except ValueError as exc:  # a bad port ("h:99999", "h:abc", "h:1:2") or IPv6 bracket
        return f"target_url is not a valid URL: {exc}"
    if port == 0:
        return "target_url has port 0"
    if parts.scheme not in ("http", "https"):
        return "target_url must be an http or https URL"
    if not parts.hostname:
        return "target_url has no host"
    if parts.username or parts.password:
        return "target_url must not carry credentials"
    return None


def connect_target(url: str) -> tuple[str, int]:
    """The host and port a delivery to `url` connects to, normalised as aiohttp does (yarl's
    IDNA mapping turns fullwidth digits, or a segmented-digit last label, into 127.0.0.1;
    Python's `urlsplit` would not), so the guard judges the address actually dialled."""
    target = URL(url)
    return target.raw_host or "", target.port or (443 if target.scheme == "https" else 80)


async def check_target_on_save(url: str, allowed: Sequence[IPNetwork]) -> str | None:
    """Refuse targets that resolve only to forbidden addresses when they are saved.

    A name that does not resolve yet is accepted: delivery checks again at connect time.
    """
    problem = check_url_syntax(url)
    if problem is not None:
        return problem
    host, port = connect_target(url)
    try:
        addresses = await resolve(host, port)
    except OSError:
        return None
    reasons = [r for r in (refusal(a, allowed) for a in addresses) if r is not None]
    if addresses and len(reasons) == len(addresses):
        return f"target_url is not allowed: {'; '.join(reasons)}"
    return None


class RefusedPeer(BlockedAddress, OSError):
    """Raised while opening a socket to a refused address (the last line of the guard)."""


def guarded_socket_factory(allowed: Iterable[IPNetwork]) -> Callable[[AddrInfo], socket.socket]:
    """aiohttp's socket factory for webhook connections: whatever host parsing, resolving or
    caching came before, the address a socket is about to connect to is vetted here."""
    networks = tuple(allowed)

    def make_socket(addr_info: AddrInfo) -> socket.socket:
        family, kind, proto, _canonical, sockaddr = addr_info
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        reason = refusal(address, networks)
        if reason is not None:
            raise RefusedPeer(reason)
        return socket.socket(family=family, type=kind, proto=proto)

    return make_socket


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver for webhook connections: every name is resolved here and vetted,
    and the connection goes to exactly the address that passed. TLS still checks the name,
    and aiohttp pools connections per name, so two targets sharing an address (a CDN) never
    share a TLS connection. IP literals skip resolvers in aiohttp: `Sender` vets those."""

    def __init__(self, allowed: Iterable[IPNetwork]) -> None:
        self._allowed = tuple(allowed)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = await vet(host, port, self._allowed)
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None
