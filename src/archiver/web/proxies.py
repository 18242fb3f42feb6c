"""Which proxy serves which URLs: the configured one, else the environment's, as curl reads
it (written here because httpx ignores the environment once it is given a transport)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping


def proxy_routes(explicit: str | None, environ: Mapping[str, str]) -> dict[str, str | None]:
    """Which proxy serves which URLs, as httpx mount patterns (None: no proxy).

    The configured proxy serves everything; else the environment decides, as curl and httpx
    read it: HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, and NO_PROXY for the hosts reached directly
    (written here because httpx ignores the environment once it is given a transport)."""
    if explicit:
        return {"all://": explicit}
    found = _proxies(environ)
    routes: dict[str, str | None] = {
        f"{scheme}://": url for scheme, url in found.items() if scheme in ("http", "https", "all")
    }
    bypass = [h.strip() for h in found.get("no", "").split(",") if h.strip()]
    if "*" in bypass:
        return {}
    for host in bypass:
        routes[_bypass_pattern(host)] = None
    return routes


def _proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """`http_proxy`, `HTTPS_PROXY`... by scheme, as `urllib.request.getproxies_environment`
    reads them (the lowercase name wins), from a given mapping."""
    found: dict[str, str] = {}
    for name, value in sorted(environ.items(), key=lambda kv: kv[0].islower()):
        lowered = name.lower()
        if value and lowered.endswith("_proxy"):
            found[lowered.removesuffix("_proxy")] = value
    return found


def _bypass_pattern(host: str) -> str:
    if "://" in host:
        return host
    bare = host.lstrip(".")
    try:
        ipaddress.ip_address(bare.strip("[]"))
    except ValueError:
        return f"all://*{bare}" if bare != "localhost" else "all://localhost"
    return f"all://{host}"
