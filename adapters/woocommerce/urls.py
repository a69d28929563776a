"""Will a WooCommerce store deliver to this URL? WordPress' safe-URL rules, checked up front.

WooCommerce accepts any delivery URL when a webhook is created, shows it `active`, and then
fails every delivery to a private address or a port other than 80, 443 and 8080, silently,
until it disables the webhook (PLATFORMS.md, "Delivery URL restrictions"). The wc-auth callback
must also be https. We say so before the merchant finds out from lost orders.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

SAFE_PORTS = (80, 443, 8080)
_BLOCKED = tuple(ipaddress.ip_network(net) for net in
                 ("127.0.0.0/8", "10.0.0.0/8", "0.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_FILTER_HINT = ("unless a must-use plugin on the store allows it (filters "
                "http_request_host_is_external and http_allowed_safe_ports)")


def resolve_host(host: str) -> list[str]:
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})
    except (socket.gaierror, UnicodeError):
        return []


def _addresses(host: str, resolve: Callable[[str], Iterable[str]]) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        return list(resolve(host))


def _is_blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or any(ip.version == net.version and ip in net for net in _BLOCKED)


def delivery_url_problems(url: str, store_url: str | None = None,
                          resolve: Callable[[str], Iterable[str]] = resolve_host) -> list[str]:
    """Plain-English reasons a WooCommerce store will not deliver webhooks to `url`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [f"{url} is not an http(s) address: WooCommerce cannot deliver to it"]
    problems = []
    store = urlsplit(store_url) if store_url else None
    same_host = store is not None and store.hostname == parts.hostname
    if parts.username or parts.password:
        problems.append(f"{url} contains a user name or password: WordPress refuses such URLs")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if port not in SAFE_PORTS and not (same_host and store and store.port == parts.port):
        problems.append(f"{url} uses port {port}: WooCommerce only delivers to ports 80, 443 "
                        f"and 8080, {_FILTER_HINT}; serve the service behind a proxy on 443")
    addresses = _addresses(parts.hostname, resolve)
    private = [address for address in addresses if _is_blocked(address)]
    if private and not same_host:
        problems.append(f"{parts.hostname} is a private or loopback address ({private[0]}): "
                        f"WooCommerce refuses to deliver there {_FILTER_HINT}; set "
                        "LOYALTY_PUBLIC_URL to the service's public https address")
    if not addresses:
        problems.append(f"{parts.hostname} does not resolve here; check LOYALTY_PUBLIC_URL")
    if parts.scheme != "https":
        problems.append(f"{url} is not https: the store's connect callback requires https "
                        "(plain http ends the approval with a 401 page)")
    return problems
