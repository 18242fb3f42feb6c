"""The httpx client of a run: headers, limits, redirects, proxies, and the transports that
connect to public addresses only. With `fetch`, the only modules that import httpx.

    make_client ─▶ no proxy: one pool whose network backend resolves each host itself and
                   connects only to an address it checked (every redirect hop, no DNS rebinding)
               └─▶ proxies (config or environment): the proxied host is judged by the local
                   resolver before the request leaves
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from archiver.errors import BlockedAddress
from archiver.settings import FetchSettings
from archiver.web.addresses import blocked_message, is_public_address, resolve
from archiver.web.content_encoding import ACCEPT_ENCODING
from archiver.web.proxies import proxy_routes


def make_client(
    settings: FetchSettings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The client for a run; a `transport` given (tests) is used as is, without proxies."""
    routes: dict[str, str | None] = {}
    checked = not settings.allow_private_addresses
    if transport is None:
        transport = _PublicOnlyTransport() if checked else httpx.AsyncHTTPTransport()
        routes = proxy_routes(settings.proxy, os.environ)
    hooks: dict[str, list[Any]] = {"response": [_refuse_other_schemes]}
    if routes and checked:
        hooks["request"] = [_check_proxied_host]
    return httpx.AsyncClient(
        headers={
            "User-Agent": settings.user_agent_header,
            "Accept": "text/html,*/*;q=0.5",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        timeout=httpx.Timeout(settings.timeout),
        transport=transport,
        mounts={
            pattern: None if proxy is None else httpx.AsyncHTTPTransport(proxy=proxy)
            for pattern, proxy in routes.items()
        },
        event_hooks=hooks,
    )


class _PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting to public addresses only: it resolves the host
    itself and connects to an address it checked, so a DNS answer that changes between check
    and connection (DNS rebinding) cannot slip a private address in; the peer of the
    connected socket is checked again."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        public = [a for a in addresses if is_public_address(a)]
        if not public:
            raise BlockedAddress(blocked_message(host, addresses))
        error: httpcore.ConnectError | None = None
        for address in public:
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
                continue
            peer = stream.get_extra_info("server_addr")
            if peer and not is_public_address(str(peer[0])):
                await stream.aclose()
                raise BlockedAddress(blocked_message(host, [str(peer[0])]))
            return stream
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress(f"{path}: not a network address")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _PublicOnlyTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, on a connection pool that connects to public addresses only:
    every new connection is checked, whichever redirect hop asked for it."""

    def __init__(self) -> None:
        super().__init__()
        # httpx takes no network backend; its (still unused) pool is replaced by one that has
        # ours, with httpx's default limits.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_PublicOnlyBackend(),
        )


async def _check_proxied_host(request: httpx.Request) -> None:
    """Through a proxy, the proxy connects, not us: the host is judged by what our resolver
    says of it. A name we cannot resolve is left to the proxy (networks behind a proxy often
    resolve no outside name); a name or address that is not public is refused."""
    host = request.url.host
    try:
        addresses = await resolve(host, request.url.port or 443)
    except OSError:
        return
    if not all(is_public_address(a) for a in addresses):
        raise BlockedAddress(blocked_message(host, addresses))


async def _refuse_other_schemes(response: httpx.Response) -> None:
    """A redirect to anything but http(s) (file:, ftp:, data:, javascript:...) is refused
    before httpx tries to follow it (it fails on some of them as an invalid URL)."""
    if not response.is_redirect:
        return
    location = response.headers.get("location", "")
    try:
        scheme = urlsplit(location).scheme.lower()
    except ValueError:
        return  # httpx reports a malformed Location itself
    if scheme and scheme not in ("http", "https"):
        raise httpx.UnsupportedProtocol(f"{location[:200]}")
