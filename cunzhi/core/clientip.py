"""The client's address, for lockouts and rate limits (django-axes, django-ratelimit).

Behind a reverse proxy every request comes from the proxy: keyed on that address, one attacker's
failures would lock out every villager, and one rate limit would be shared by the whole county. The
proxy's header (X-Forwarded-For by default) names the client, but anyone can send that header, so
it is read only when the direct peer is a configured trusted proxy (TRUSTED_PROXIES), and read from
the right: each trusted proxy appended the address it saw, and the first address that is not one of
ours is the client. Whatever stands left of it was written by the client and may be forged.

Libraries such as ipware decide trust from the addresses written in the header, not from the peer
that actually connected, which is why this is done here in a few lines.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted if entry.strip())


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the proxy's header when REMOTE_ADDR is a trusted proxy."""
    peer = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(_address(peer), networks):
        return peer
    header = "HTTP_" + settings.CLIENT_IP_HEADER.upper().replace("-", "_")
    hops = [hop for hop in request.META.get(header, "").split(",") if hop.strip()]
    client = None
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # not an address: stop trusting the header here
        client = address
        if not _trusted(address, networks):
            break
    # Every hop a proxy of ours (a client inside the trusted network): the left-most one reached.
    return str(client) if client is not None else peer
