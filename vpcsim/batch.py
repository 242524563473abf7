"""Batch: many flows -> a verdict each (reachable both ways or not), without walking flow by flow.

    network.verdicts(flows)    # == [network.trace(src, dst, port, proto).reachable for ...]

A flow is (source, destination, protocol, port): the source an instance or interface name, an
address of either family (text or int) or 'internet' / 'internet6'; the destination the same
(or a name); the protocol 'tcp', 'udp', 'icmp', 'icmpv6' or a number; the port a tcp/udp port, an ICMP
type, or anything for other protocols (they have none). Each flow is mapped to a key: the
classes of its two endpoints (see vpcsim.analyse: interface class and the address's signature,
or the elementary address interval of an address nobody owns) and three relations the walk
tests (same interface; each end's subnet holding the other's address). The exact traffic of
each distinct key is computed once (one recorded walk, memoised on the network), and each
flow's verdict is a lookup of its port in that traffic. A flow whose ends come out in two
families is put in one as trace puts it (`walk.same_family`: a dual-stack interface at the
other end's family, DNS64). With numpy the mapping is vectorised
(`searchsorted` over the owned addresses and the address intervals, `unique` over the keys);
without it, or when a flow is IPv6, the same steps run in pure Python.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import vpcsim.core as core
from vpcsim.analyse import Analyser, analyser
from vpcsim.arguments import icmp_what, quote
from vpcsim.components import vpc_router
from vpcsim.errors import EndpointError, UsageError
from vpcsim.facts import DHCP_SERVER_PORT, NAT64_PREFIX, VPC_ROUTER_OFFSET
from vpcsim.model import IPV4_MAX, IPV6_BITS, PROTOCOL_NAMES, addr_bits, int_to_ip, ip_to_int, parse_decimal, parse_ip
from vpcsim.reach.walk import Endpoint, resolve, same_family, trace_packet

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from vpcsim.compile import CompiledNetwork
    from vpcsim.model import Cidr, Subnet
    from vpcsim.traffic import Traffic

__all__ = ["Flow", "reachable", "verdicts", "verdicts_array"]

Flow = tuple[Any, Any, Any, int]
"""(source, destination, protocol, port); see the module docstring."""

_UNOWNED = 1 << 24  # codes of unowned address intervals start here; owned endpoints' codes are below
_CODE_BITS = 25
_SPAN = 1 << 17  # one key x protocol kind owns this much of the verdict lookup space (ports < 2**16)
_KIND_OF = {6: 0, 17: 1, 1: 2, 58: 3}  # other protocols: _IP_KIND
_IP_KIND = 4
_KINDS = 5  # tcp, udp, icmp, icmpv6, other IP protocols: a slot's kinds in the verdict table
# The numpy path packs addresses into int64 columns and looks them up in a PrefixTable's
# stride arrays, both of which stop short of 128 bits: it serves networks whose addresses are
# this wide at most, and any other network takes the pure-Python path (same verdicts).
_PACK_BITS = 32
# 64:ff9b::/96 (NAT64): a NAT gateway sends it on to the IPv4 address in its last 32 bits, so
# such an address is classed by that IPv4 address.
_NAT64 = parse_ip(NAT64_PREFIX.partition("/")[0]) >> 32


class _Wide(Exception):
    """A flow the numpy path cannot pack (an IPv6 address): the batch takes the Python path."""


class _Side:
    """What the key needs of one end of a flow."""

    __slots__ = ("addr", "code", "hi", "lo", "owner", "side")

    def __init__(self, code: int, addr: int, owner: int, lo: int, hi: int, side: str | int) -> None:
        self.code = code  # endpoint class code
        self.addr = addr  # the address the walk uses (a public source IP becomes the private one)
        self.owner = owner  # interface index, -1 if no interface owns the address
        self.lo, self.hi = lo, hi  # the owner's subnet (1, 0: none)
        self.side = side  # what to hand to Analyser.traffic for a representative flow


class _Batcher:
    """Per-network state: owned-address tables, endpoint codes, and every key's verdict runs."""

    def __init__(self, an: Analyser) -> None:
        self.an = an
        net = an.net
        d = net.design
        self.enis = list(d.interfaces.values())
        self.eni_index = {e.name: i for i, e in enumerate(self.enis)}
        self._codes: dict[Hashable, int] = {}
        owned: dict[int, tuple[int, int, int, int, int, int]] = {}  # addr -> src code, eff, owner, lo, hi, dst code
        addrs = set(net.eni_by_ip) | set(net.eni_by_public) | set(net.nat_by_ip) | set(net.nat_by_public)
        for addr in sorted(addrs):
            eni = net.eni_by_ip.get(addr) or net.eni_by_public.get(addr)  # trace.resolve's order
            if eni is not None:
                eff = eni.primary_ip if addr == eni.public_ip else addr
                cls = an.class_of[eni.name]
                src = self._code(("eni", cls, an.addr_sig(eff), eff > IPV4_MAX))  # a family's signatures may
                dst = self._code(("eni", cls, "public" if addr == eni.public_ip else an.addr_sig(addr),
                                  addr > IPV4_MAX))  # ... read alike: codes keep them apart
                cidr = _home(d.subnets[eni.subnet], eff)
                owned[addr] = (src, eff, self.eni_index[eni.name], cidr.first, cidr.last, dst)
            else:
                nat = net.nat_by_ip.get(addr) or net.nat_by_public.get(addr)
                assert nat is not None
                kind = "private" if addr == nat.private_ip else "public"
                owned[addr] = (self._code(("nat-src", nat.name, kind)), addr, -1, 1, 0,
                               self._code(("nat", nat.name, kind)))
        self.owned = owned
        self._owned_keys = sorted(a for a in owned if a <= IPV4_MAX)  # the numpy path packs IPv4's
        widest = max((max(addr, owned[addr][1], owned[addr][4]) for addr in self._owned_keys), default=0)
        self.packable = an.fine.bits <= _PACK_BITS and widest < 1 << _PACK_BITS  # see _PACK_BITS
        self._families: dict[tuple[int, int, int, int], tuple[_Side, _Side]] = {}
        # An Amazon-provided service's address (the Resolver, metadata, ...) answers where the
        # addresses around it do not: each is a class of its own.
        self.services = {a for a in vpc_router.service_addresses(net) if a not in owned}
        # DHCP: the VPC router of an interface's own subnet answers its udp 67 and nothing else
        # (vpc_router.service_at), a verdict no class of addresses holds: one walk per interface.
        self.dhcp = [d.subnets[e.subnet].cidr.first + VPC_ROUTER_OFFSET for e in self.enis]
        self._dhcp_verdicts: dict[int, bool] = {}
        self._np: dict[str, Any] | None = None
        self._names: dict[str, _Side] = {}
        # reachable(): endpoints as written -> their side, and (source, destination name) -> side.
        self._src_text: dict[str, _Side] = {}
        self._dst_text: dict[tuple[int, int, str], _Side] = {}
        self._key_index: dict[int, int] = {}  # flow key -> slot in the verdict table
        self._bounds: list[int] = []  # verdict table: for slot j and kind k, the run bounds at (5j + k) * _SPAN
        self._bounds_np: Any = None
        self._status: list[int] = []  # per slot and kind: 0 none, 1 all, 2 some
        self._status_np: Any = None
        self._known_np: tuple[Any, Any] | None = None
        self.computed = 0

    def _code(self, key: Hashable) -> int:
        code = self._codes.get(key)
        if code is None:
            code = self._codes[key] = len(self._codes)
            if code >= _UNOWNED:
                raise OverflowError("too many endpoint classes for a batch key")
        return code

    # -- endpoints -----------------------------------------------------------------------------

    def addr_side(self, addr: int, *, source: bool) -> _Side:
        got = self.owned.get(addr)
        if got is not None:
            src, eff, owner, lo, hi, dst = got
            return _Side(src if source else dst, eff if source else addr, owner, lo, hi, addr)
        if addr in self.services:
            return _Side(self._code(("service", addr)), addr, -1, 1, 0, addr)
        if addr > IPV4_MAX:
            return self._addr_side6(addr, source=source)
        return _Side(_UNOWNED + self.an.fine.lookup(addr) + 1, addr, -1, 1, 0, addr)

    def _addr_side6(self, addr: int, *, source: bool) -> _Side:
        """An IPv6 address no interface has as one of its own: in a delegated prefix, a NAT64
        address, or an elementary interval of the IPv6 CIDRs the design names."""
        net = self.an.net
        eni = net.owner_of(addr) if net.prefix_owners else None
        if eni is not None:  # an address of a prefix delegated to the interface: it owns it
            cidr = _home(net.design.subnets[eni.subnet], addr)
            code = self._code(("eni", self.an.class_of[eni.name], self.an.addr_sig(addr), True))
            return _Side(code, addr, self.eni_index[eni.name], cidr.first, cidr.last, addr)
        if addr >> 32 == _NAT64:
            key: Hashable = ("nat64", self.addr_side(addr & IPV4_MAX, source=source).code)
        else:
            key = ("unowned6", self.an.fine6.lookup(addr))
        return _Side(self._code(key), addr, -1, 1, 0, addr)

    def dhcp_verdict(self, owner: int) -> bool:
        """Whether interface `owner`'s DHCP request (udp 67) to its subnet's router is answered."""
        got = self._dhcp_verdicts.get(owner)
        if got is None:
            eni = self.enis[owner]
            got = self._dhcp_verdicts[owner] = trace_packet(
                self.an.net, "eni", eni.name, int_to_ip(eni.primary_ip), int_to_ip(self.dhcp[owner]), 17,
                DHCP_SERVER_PORT, ephemeral=self.an.ephemeral).reachable
        return got

    def same_family(self, s: _Side, t: _Side, src: Any, dst: Any) -> tuple[_Side, _Side]:
        """Both ends in one family, as trace puts them (`walk.same_family`); memoised."""
        key = (s.addr, s.owner, t.addr, t.owner)
        got = self._families.get(key)
        if got is None:
            def end(side: _Side, value: Any) -> Endpoint:
                label = value.strip() if isinstance(value, str) else int_to_ip(int(value))
                return Endpoint(label, side.addr, self.enis[side.owner] if side.owner >= 0 else None)

            a, b = same_family(self.an.net, end(s, src), end(t, dst))  # EndpointError: no address of the family
            got = self._families[key] = (s if a.addr == s.addr else self.addr_side(a.addr, source=True),
                                         t if b.addr == t.addr else self.addr_side(b.addr, source=False))
        return got

    def text_side(self, text: str, *, source: bool) -> _Side | None:
        """A source written as text; None for a destination name (its address depends on the source)."""
        net = self.an.net
        name = text.strip()
        if name.lower() == "internet":
            return self.addr_side(net.internet_address, source=source)
        if name.lower() == "internet6":
            return self.addr_side(net.internet_address6, source=source)
        try:  # ip_to_int first: IPv4 text is the common case, and the faster parse
            return self.addr_side(ip_to_int(name) if ":" not in name else parse_ip(name), source=source)
        except ValueError:
            pass
        if not source:
            return None
        cached = self._names.get(name)
        if cached is None:
            end = resolve(net, name, None)  # names and AWS ids, as trace resolves them
            if end.eni is None:
                cached = self.addr_side(end.addr, source=True)
            else:
                eni = end.eni
                cidr = _home(net.design.subnets[eni.subnet], end.addr)
                code = self._code(("eni", self.an.class_of[eni.name], self.an.addr_sig(end.addr), end.addr > IPV4_MAX))
                cached = _Side(code, end.addr, self.eni_index[eni.name], cidr.first, cidr.last, eni.name)
            self._names[name] = cached
        return cached

    def named_dst(self, src: _Side, text: str) -> _Side:
        """A destination written as a name, for this source (privately from its own or a peered VPC)."""
        net = self.an.net
        owner = self.enis[src.owner] if src.owner >= 0 else None
        end = resolve(net, text, Endpoint("src", src.addr, owner))
        return self.addr_side(end.addr, source=False)

    def verdict(self, src: Any, dst: Any, proto: int, port: int) -> bool:
        """One flow's verdict (`reachable`): the batch's steps for one flow, with the endpoints as
        written memoised (a side depends only on the text, and a destination's name on the
        source's interface and address too)."""
        kind, pos = _position(proto, _check_port(proto, port))
        s = self._src_text.get(src) if isinstance(src, str) else None
        if s is None:
            s = _side(self, src, source=True)
            if isinstance(src, str):
                self._src_text[src] = s
        if isinstance(dst, str):
            dkey = (s.owner, s.addr, dst)
            t = self._dst_text.get(dkey)
            if t is None:
                t = self._dst_text[dkey] = _dst_side(self, s, dst)
        else:
            t = _side(self, dst, source=False)
        key = ((s.code << _CODE_BITS) | t.code) << 3 | (s.owner >= 0 and s.owner == t.owner) | \
            (s.lo <= t.addr <= s.hi) << 1 | (t.lo <= s.addr <= t.hi) << 2  # self.key(s, t), inline
        j = self._key_index.get(key)
        if j is None:
            # Every code is of one family, so ends of two families never have a key of the table.
            if (s.addr > IPV4_MAX) is not (t.addr > IPV4_MAX):
                s, t = self.same_family(s, t, src, dst)
                key = self.key(s, t)
            j = self.slot(key, s.side, t.addr, s.owner)
        return bisect_right(self._bounds, (_KINDS * j + kind) * _SPAN + pos) % 2 == 1  # self.lookup, inline

    # -- keys and verdicts ---------------------------------------------------------------------

    def key(self, s: _Side, t: _Side) -> int:
        flags = int(s.owner >= 0 and s.owner == t.owner)
        flags |= int(s.lo <= t.addr <= s.hi) << 1
        flags |= int(t.lo <= s.addr <= t.hi) << 2
        return ((s.code << _CODE_BITS) | t.code) << 3 | flags

    def slot(self, key: int, src: str | int, dst: int, owner: int = -1) -> int:
        """The verdict-table slot of a key, computing its traffic on first sight."""
        j = self._key_index.get(key)
        if j is None:
            traffic = self.an.traffic(src, dst)
            if owner >= 0 and dst == self.dhcp[owner]:
                # DHCP (see self.dhcp): the key fixes the router (its code) and that it is the
                # sender's own subnet's (the flags), so udp 67 is the key's too.
                from vpcsim.traffic import Traffic

                dhcp = Traffic(udp=((DHCP_SERVER_PORT, DHCP_SERVER_PORT),))
                traffic = (traffic | dhcp) if self.dhcp_verdict(owner) else (traffic - dhcp)
            self.computed += 1
            j = self._key_index[key] = len(self._key_index)
            self._append(j, traffic)
        return j

    def _append(self, j: int, traffic: Traffic) -> None:
        from vpcsim.traffic import TrafficKind

        for k, kind in enumerate((TrafficKind.TCP, TrafficKind.UDP, TrafficKind.ICMP, TrafficKind.ICMPV6,
                                  TrafficKind.IP)):
            base = (_KINDS * j + k) * _SPAN
            runs = traffic.runs(kind)
            for lo, hi in runs:
                self._bounds.append(base + lo)
                self._bounds.append(base + hi + 1)
            self._status.append(0 if not runs else 1 if runs == kind.universe else 2)
        self._bounds_np = None
        self._status_np = None

    def lookup(self, j: int, kind: int, port: int) -> bool:
        return bisect_right(self._bounds, (_KINDS * j + kind) * _SPAN + port) % 2 == 1

    def bounds_array(self) -> Any:
        import numpy as np

        if self._bounds_np is None:
            self._bounds_np = np.array(self._bounds, dtype=np.int64)
        return self._bounds_np

    def np_tables(self) -> dict[str, Any]:
        """Per-address columns for numpy: one LPM over the owned addresses (as /32s) and the
        elementary intervals, then gathers (an owned address is its own /32, which wins)."""
        import numpy as np

        if self._np is None:
            services = sorted(a for a in self.services if a <= IPV4_MAX)
            keys = self._owned_keys + services
            rows = [self.owned[a] for a in self._owned_keys]
            rows += [(code, a, -1, 1, 0, code) for a in services for code in [self.addr_side(a, source=True).code]]
            fine = self.an.fine_prefixes
            table = core.PrefixTable([(a, _PACK_BITS) for a in keys] + fine, bits=_PACK_BITS)
            # Index -1 (nothing) is the last row; a fine prefix's code is its index in the fine table.
            unowned = [_UNOWNED + i + 1 for i in range(len(fine))] + [_UNOWNED]
            cols = list(zip(*rows, strict=True)) if rows else [()] * 6
            n = len(fine) + 1
            self._np = {
                "table": table,
                "rows": len(keys),  # owned addresses (then the services'): their rows come first
                "src": np.array([*cols[0], *unowned], dtype=np.int64),
                "eff": np.array([*cols[1], *([-1] * n)], dtype=np.int64),
                "owner": np.array([*cols[2], *([-1] * n)], dtype=np.int64),
                "lo": np.array([*cols[3], *([1] * n)], dtype=np.int64),
                "hi": np.array([*cols[4], *([0] * n)], dtype=np.int64),
                "dst": np.array([*cols[5], *unowned], dtype=np.int64),
            }
        return self._np

    def known_arrays(self) -> tuple[Any, Any]:
        """The keys seen so far (sorted) and their slots, for a vectorised lookup."""
        import numpy as np

        if self._known_np is None or len(self._known_np[0]) != len(self._key_index):
            keys = np.fromiter(self._key_index.keys(), dtype=np.int64, count=len(self._key_index))
            slots = np.fromiter(self._key_index.values(), dtype=np.int64, count=len(self._key_index))
            order = np.argsort(keys)
            self._known_np = (keys[order], slots[order])
        return self._known_np

    def status_array(self) -> Any:
        """Per slot and protocol kind: 0 nothing gets through, 1 everything does, 2 look the port up."""
        import numpy as np

        if self._status_np is None:
            self._status_np = np.array(self._status, dtype=np.int8)
        return self._status_np


def _batcher(an: Analyser) -> _Batcher:
    return an.net.derived(_Batcher, an.ephemeral, lambda: _Batcher(an))


# -- columns ---------------------------------------------------------------------------------------


def reachable(network: CompiledNetwork, src: Any, dst: Any, port: int, protocol: Any = "tcp", *,
              ephemeral: tuple[int, int] | None = None) -> bool:
    """`network.trace(src, dst, port, protocol, ephemeral=...).reachable` for one flow, verdict only.

    Endpoints, protocol and port as `verdicts` takes them. The verdict is a lookup in the
    network's verdict table (one walk per pair of endpoint classes, computed on first sight and
    kept): a few microseconds once the pair has been seen, the first call builds the classes.
    """
    b = _batcher(analyser(network, ephemeral=ephemeral))
    proto = _PROTO_FAST.get(protocol) if isinstance(protocol, str) else None
    return b.verdict(src, dst, _proto(protocol) if proto is None else proto, port)


_PROTO_FAST = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}


def _columns(flows: Sequence[Flow] | None, src: Any, dst: Any, protocol: Any, port: Any) -> tuple[Any, Any, Any, Any]:
    if flows is not None:
        if src is not None or dst is not None or protocol is not None or port is not None:
            raise UsageError("give flows, or the columns src=, dst=, protocol=, port=; not both")
        if len(flows) == 0:
            return [], [], [], []
        try:
            cols = list(zip(*flows, strict=True))
        except ValueError:
            raise UsageError("a flow is (src, dst, protocol, port): four values") from None
        if len(cols) != 4:
            raise UsageError("a flow is (src, dst, protocol, port): four values")
        return cols[0], cols[1], cols[2], cols[3]
    if src is None or dst is None or port is None:
        raise UsageError("verdicts needs flows, or the columns src=, dst=, port= (and protocol=, default tcp)")
    return src, dst, 6 if protocol is None else protocol, port


def _proto(value: Any) -> int:
    if isinstance(value, str):
        text = value.lower()
        if text in PROTOCOL_NAMES and PROTOCOL_NAMES[text] >= 0:
            return PROTOCOL_NAMES[text]
        if parse_decimal(text) is not None:  # ASCII digits only: '²'.isdigit() but int('²') raises
            value = parse_decimal(text)
        else:
            raise UsageError(f"unknown protocol {value!r} (expected tcp, udp, icmp, icmpv6 or a number 0-255)")
    if _is_intlike(value) and not isinstance(value, int):
        value = int(value)  # a numpy integer: the pure-Python path takes array columns too
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
        raise UsageError(f"protocol {quote(value)}: a packet has one protocol (expected tcp, udp, icmp, icmpv6 or 0-255)")
    return value


def _check_port(proto: int, port: Any) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise UsageError(f"port {quote(port)} is out of range (expected 0-65535)")
    if proto in core.ICMP_PROTOS and port > 255:
        raise UsageError(f"{icmp_what(proto)} {port} is out of range (expected 0-255; "
                         f"{128 if proto == 58 else 8} = echo request)")
    return port


def _position(proto: int, port: int) -> tuple[int, int]:
    kind = _KIND_OF.get(proto, _IP_KIND)
    return kind, (proto if kind == _IP_KIND else port)


def _is_int_array(values: Any) -> bool:
    return hasattr(values, "dtype") and getattr(values.dtype, "kind", "") in "iu"


# -- the front door ------------------------------------------------------------------------------


def verdicts(network: CompiledNetwork, flows: Sequence[Flow] | None = None, *, src: Any = None, dst: Any = None,
             protocol: Any = None, port: Any = None, ephemeral: tuple[int, int] | None = None) -> list[bool]:
    """For each flow, `network.trace(src, dst, port, protocol, ephemeral=...).reachable`.

    Flows are (src, dst, protocol, port) tuples, or give the columns (sequences or numpy
    arrays; `protocol` may be one value for all). Vectorised with numpy when it is installed
    and the batch is long; raises UsageError or EndpointError on a bad flow, as trace does.
    """
    cols = _columns(flows, src, dst, protocol, port)
    n = len(cols[0])
    if n >= 64 and core.numpy_available():
        out: list[bool] = _array(network, cols, ephemeral).tolist()
        return out
    return _python(network, cols, ephemeral)


def verdicts_array(network: CompiledNetwork, flows: Sequence[Flow] | None = None, *, src: Any = None, dst: Any = None,
                   protocol: Any = None, port: Any = None,
                   ephemeral: tuple[int, int] | None = None) -> NDArray[np.bool_]:
    """verdicts() as a numpy bool array (needs numpy): the fastest form, best with int address arrays."""
    result: NDArray[np.bool_] = _array(network, _columns(flows, src, dst, protocol, port), ephemeral)
    return result


def _python(network: CompiledNetwork, cols: tuple[Any, Any, Any, Any], ephemeral: tuple[int, int] | None) -> list[bool]:
    b = _batcher(analyser(network, ephemeral=ephemeral))
    srcs, dsts, protos, ports = cols
    n = len(srcs)
    if isinstance(protos, (int, str)):
        protos = [protos] * n
    if len(dsts) != n or len(protos) != n or len(ports) != n:
        raise UsageError(f"{n} sources but {len(dsts)} destinations, {len(protos)} protocols and {len(ports)} ports")
    out: list[bool] = []
    for s_val, t_val, p_val, port_val in zip(srcs, dsts, protos, ports, strict=True):
        proto = _proto(p_val)
        kind, pos = _position(proto, _check_port(proto, int(port_val) if _is_intlike(port_val) else port_val))
        s = _side(b, s_val, source=True)
        t = _dst_side(b, s, t_val)
        if (s.addr > IPV4_MAX) is not (t.addr > IPV4_MAX):
            s, t = b.same_family(s, t, s_val, t_val)
        j = b.slot(b.key(s, t), s.side, t.addr, s.owner)
        out.append(b.lookup(j, kind, pos))
    return out


def _is_intlike(value: Any) -> bool:
    return not isinstance(value, (bool, str)) and hasattr(value, "__index__")


def _side(b: _Batcher, value: Any, *, source: bool) -> _Side:
    if isinstance(value, str):
        side = b.text_side(value, source=source)
        assert side is not None
        return side
    if _is_intlike(value) and 0 <= int(value) < 1 << IPV6_BITS:
        return b.addr_side(int(value), source=source)
    raise EndpointError(f"endpoint {value!r} is not an instance, interface, IPv4 or IPv6 address, 'internet' "
                        "or 'internet6'")


def _home(subnet: Subnet, addr: int) -> Cidr:
    """The subnet's block of `addr`'s family (the flags compare addresses of one family)."""
    return subnet.cidr_of(addr_bits(addr)) or subnet.cidr


def _dst_side(b: _Batcher, s: _Side, value: Any) -> _Side:
    if isinstance(value, str):
        side = b.text_side(value, source=False)
        return side if side is not None else b.named_dst(s, value)
    return _side(b, value, source=False)


def _array(network: CompiledNetwork, cols: tuple[Any, Any, Any, Any], ephemeral: tuple[int, int] | None) -> Any:
    import numpy as np

    b = _batcher(analyser(network, ephemeral=ephemeral))
    if b.packable:
        try:
            return _packed(b, cols)
        except _Wide:
            pass
    return np.array(_python(network, cols, ephemeral), dtype=bool)


def _packed(b: _Batcher, cols: tuple[Any, Any, Any, Any]) -> Any:
    """The vectorised batch over IPv4 flows (_Wide at the first IPv6 address)."""
    import numpy as np

    srcs, dsts, protos, ports = cols
    n = len(srcs)
    if len(dsts) != n or len(ports) != n or (not isinstance(protos, (int, str)) and len(protos) != n):
        raise UsageError(f"{n} sources but {len(dsts)} destinations and {len(ports)} ports (and as many protocols)")
    if n == 0:
        return np.zeros(0, dtype=bool)
    tables = b.np_tables()
    # Protocols and ports.
    if isinstance(protos, (int, str)):
        proto = np.full(n, _proto(protos), dtype=np.int64)
    elif _is_int_array(protos):
        proto = np.asarray(protos, dtype=np.int64)
    else:
        proto = np.fromiter((_proto(p) for p in protos), dtype=np.int64, count=n)
    if proto.min() < 0 or proto.max() > 255:
        bad = int(proto[(proto < 0) | (proto > 255)][0])
        raise UsageError(f"protocol {bad!r}: a packet has one protocol (expected tcp, udp, icmp, icmpv6 or 0-255)")
    port = _ints(ports, 0, 65535, "port")
    icmp = proto == 1
    icmp6 = proto == 58
    for mask, number in ((icmp, 1), (icmp6, 58)):
        if mask.any() and (port[mask] > 255).any():
            _check_port(number, int(port[mask & (port > 255)][0]))
    kind = np.full(n, _IP_KIND, dtype=np.int64)
    kind[proto == 6] = 0
    kind[proto == 17] = 1
    kind[icmp] = 2
    kind[icmp6] = 3
    pos = np.where(kind == _IP_KIND, proto, port)
    # Sources.
    if _is_int_array(srcs):
        _narrow(srcs)
        s_addr = _ints(srcs, 0, core.ADDR_MAX, "source address")
        s_code, s_eff, s_owner, s_lo, s_hi = _owned_or_interval(b, tables, s_addr, source=True)
        s_name = None
    else:
        sides = _text_sides(b, srcs)
        if any(s.addr > IPV4_MAX for s in sides):
            raise _Wide
        s_code, s_eff, s_owner, s_lo, s_hi = (np.fromiter((getattr(s, f) for s in sides), dtype=np.int64, count=n)
                                              for f in ("code", "addr", "owner", "lo", "hi"))
        s_name = sides
    # Destinations.
    if _is_int_array(dsts):
        _narrow(dsts)
        t_addr = _ints(dsts, 0, core.ADDR_MAX, "destination address")
    else:
        t_addr = np.empty(n, dtype=np.int64)
        for i, value in enumerate(dsts):
            if isinstance(value, str):
                side = b.text_side(value, source=False)
                if side is None:
                    origin = s_name[i] if s_name is not None else b.addr_side(int(srcs[i]), source=True)
                    side = b.named_dst(origin, value)
            else:
                side = _side(b, value, source=False)
            if side.addr > IPV4_MAX:
                raise _Wide
            t_addr[i] = side.addr
    t_code, _, t_owner, t_lo, t_hi = _owned_or_interval(b, tables, t_addr, source=False)
    flags = ((s_owner >= 0) & (s_owner == t_owner)).astype(np.int64)
    flags |= ((s_lo <= t_addr) & (t_addr <= s_hi)).astype(np.int64) << 1
    flags |= ((t_lo <= s_eff) & (s_eff <= t_hi)).astype(np.int64) << 2
    key = ((s_code << _CODE_BITS) | t_code) << 3 | flags
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    known, known_slots = b.known_arrays()
    at = np.minimum(np.searchsorted(known, uniq), len(known) - 1) if len(known) else np.zeros(len(uniq), np.int64)
    found = known[at] == uniq if len(known) else np.zeros(len(uniq), dtype=bool)
    slots = np.where(found, known_slots[at] if len(known) else 0, -1)
    for u in np.flatnonzero(~found).tolist():  # keys never seen: one recorded walk each
        i = int(first[u])
        src_side: str | int = s_name[i].side if s_name is not None else int(srcs[i])
        slots[u] = b.slot(int(uniq[u]), src_side, int(t_addr[i]), int(s_owner[i]))
    group = slots[inverse] * _KINDS + kind
    status = b.status_array().take(group)
    result: NDArray[np.bool_] = status == 1
    some = np.flatnonzero(status == 2)
    if some.size:
        at = group[some] * _SPAN + pos[some]
        result[some] = (np.searchsorted(b.bounds_array(), at, side="right") & 1).astype(bool)
    return result


def _narrow(values: Any) -> None:
    """_Wide if an int column holds an IPv6 address."""
    if values.size and int(values.max()) > IPV4_MAX:
        raise _Wide


def _ints(values: Any, lo: int, hi: int, what: str) -> Any:
    import numpy as np

    try:
        arr = np.asarray(values, dtype=np.int64) if not _is_int_array(values) else values.astype(np.int64, copy=False)
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"every {what} must be an int") from None
    if arr.size and (arr.min() < lo or arr.max() > hi):
        bad = int(arr[(arr < lo) | (arr > hi)][0])
        raise UsageError(f"{what} {bad!r} is out of range (expected {lo}-{hi})")
    return arr


def _owned_or_interval(b: _Batcher, t: dict[str, Any], addr: Any, *, source: bool) -> tuple[Any, Any, Any, Any, Any]:
    import numpy as np

    row = t["table"].lookup_array(addr)  # -1 (no prefix) gathers the last row
    code = t["src" if source else "dst"].take(row)
    eff = np.where(row < t["rows"], t["eff"].take(row), addr) if source else addr
    return code, eff, t["owner"].take(row), t["lo"].take(row), t["hi"].take(row)


def _text_sides(b: _Batcher, values: Any) -> list[_Side]:
    cache: dict[Any, _Side] = {}
    out: list[_Side] = []
    for value in values:
        side = cache.get(value)
        if side is None:
            side = cache[value] = _side(b, value, source=True)
        out.append(side)
    return out
