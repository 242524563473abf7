"""Addresses AWS picks: a network with `private_ip: auto` interfaces -> the cases every verdict must cover.

An interface created without a private IP gets one EC2 "selects for you from the subnet's IPv4
CIDR range" (EC2 API Reference, CreateNetworkInterface, PrivateIpAddress:
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInterface.html), any
free address but the five AWS reserves in every subnet (facts.SUBNET_RESERVED_*). Which
one matters only where a rule, route or prefix list draws a CIDR boundary through the subnet:
the free addresses split into elementary intervals of every CIDR the design names, and two
addresses in exactly the same CIDRs are alike to every NACL, security group (group references
match by membership, not by address) and route table. Those classes are the interface's cases.

`expanded(net)` is the network with every case present at once: each dynamic interface at its
representative, plus one clone per further case (`<interface>@<address>`, same subnet, groups,
instance and a public IP in the same CIDRs as its own). The clones are listed on the instance,
so the analyses that select by instance, subnet, group or tag meet every case in one network:
`vpcsim.trace` traces each case, `analyse.exposure` and `analyse.reach` fold the clones back
into their interface, `check` judges promises over every case.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from collections.abc import Mapping
from types import MappingProxyType

from vpcsim.compile import CompiledNetwork
from vpcsim.facts import NOT_INTERNET, SUBNET_RESERVED_HEAD, SUBNET_RESERVED_TAIL
from vpcsim.model import IPV4_BITS, IPV4_MAX, IPV6_BITS, Cidr, Interface, int_to_ip
from vpcsim.results import AddressCase, runs_text

__all__ = ["CLONE_MARK", "MAX_CASES", "Expansion", "cases_of", "expanded", "has_dynamic", "origin_of"]

# Design names never hold '@' (loader.build.NAME_RE): a clone's name cannot meet a design name.
CLONE_MARK = "@"
# A subnet cut by many /32 rules has many cases; past this many the last ones are merged into one,
# judged at one address: that case says so (AddressCase.merged), and `Expansion.truncated` names
# the interface.
MAX_CASES = 64


def has_dynamic(net: CompiledNetwork) -> bool:
    """Whether any interface of the design has `private_ip: auto` or `ipv6_address_count` (once per
    network: every trace asks)."""
    return net.derived(bool, "has_dynamic_addresses",
                       lambda: any(eni.picked for eni in net.design.interfaces.values()))


def origin_of(name: str) -> str:
    """The design interface a name stands for: `web.eth0@10.0.1.200` -> `web.eth0` (others unchanged)."""
    return name.split(CLONE_MARK, 1)[0]


class Expansion:
    """The network with every address case of every dynamic interface present at once."""

    def __init__(self, net: CompiledNetwork, cases: Mapping[str, tuple[AddressCase, ...]],
                 truncated: tuple[str, ...], skipped: tuple[tuple[str, str], ...] = ()) -> None:
        self.net = net
        self.cases = cases  # dynamic interface -> its cases, the interface's own first
        self.truncated = truncated
        # (interface, addresses) of cases left out: each of their free addresses is another `auto`
        # interface's representative, so no clone could stand there.
        self.skipped = skipped


def expanded(net: CompiledNetwork) -> Expansion:
    """`net` with each dynamic interface cloned once per further case (built once per network)."""
    return net.derived(Expansion, None, lambda: _expand(net))


def cases_of(net: CompiledNetwork, interface: str) -> tuple[AddressCase, ...]:
    """The cases of one interface: one (its own address) when its address is fixed."""
    eni = net.design.interfaces[interface]
    if not eni.picked:
        return (AddressCase(eni.name, ((eni.primary_ip, eni.primary_ip),), eni.primary_ip, eni.name),)
    return expanded(net).cases[interface]


def _boundaries(net: CompiledNetwork) -> list[Cidr]:
    d = net.design
    cidrs: set[Cidr] = set()
    for group in d.security_groups.values():
        cidrs.update(r.cidr for r in group.ingress + group.egress if r.cidr is not None)
    for acl in d.network_acls.values():
        cidrs.update(r.cidr for r in acl.inbound + acl.outbound)
    for table in d.route_tables.values():
        cidrs.update(r.destination for r in table.routes if r.destination is not None)
    for plist in d.prefix_lists.values():
        cidrs.update(plist.entries)
    return sorted(cidrs)


def _subnet_cases(block: Cidr, cidrs: list[Cidr], taken: set[int]) -> list[tuple[tuple[int, int], ...]]:
    """The free addresses of a subnet's block, grouped by the set of CIDRs that hold them (in address
    order). AWS reserves the same first four and last addresses of an IPv6 block as of an IPv4 one."""
    lo, hi = block.first + SUBNET_RESERVED_HEAD, block.last - SUBNET_RESERVED_TAIL
    if lo > hi:
        return []
    cutting = [c for c in cidrs if c.first <= hi and c.last >= lo and not (c.first <= lo and c.last >= hi)]
    cuts = {lo, hi + 1}
    for c in cutting:
        cuts.update(p for p in (c.first, c.last + 1) if lo < p <= hi)
    points = sorted(cuts)
    by_sig: dict[frozenset[int], list[tuple[int, int]]] = {}
    holes = sorted(a for a in taken if lo <= a <= hi)
    for first, nxt in zip(points, points[1:], strict=False):
        last = nxt - 1
        sig = frozenset(i for i, c in enumerate(cutting) if c.first <= first <= c.last)
        runs = by_sig.setdefault(sig, [])
        start = first
        for hole in (h for h in holes if first <= h <= last):
            if hole > start:
                runs.append((start, hole - 1))
            start = hole + 1
        if start <= last:
            runs.append((start, last))
    return [tuple(runs) for runs in sorted(by_sig.values(), key=lambda r: r[0] if r else (0, 0)) if runs]


def _public_twin(address: int, cuts: list[int], used: set[int]) -> int:
    """A public address in exactly the same CIDRs as `address` that no one holds (a clone's public IP).

    `cuts`: the sorted first addresses and ends (+1) of every CIDR the design names.
    """
    at = bisect.bisect_right(cuts, address)
    lo, hi = cuts[at - 1], cuts[at] - 1  # the elementary interval holding `address`
    for near in itertools.chain(range(address + 1, min(hi, address + 65536) + 1),
                                range(address - 1, max(lo, address - 65536) - 1, -1)):
        if near not in used:
            return near
    # Every address of the interval is a design address: take the benchmarking block (RFC 2544).
    spare: int = Cidr.parse("198.18.0.0/15").first
    while spare in used:
        spare += 1
    return spare


def _expand(net: CompiledNetwork) -> Expansion:
    d = net.design
    cidrs = _boundaries(net)
    fixed: dict[str, set[int]] = {name: set() for name in d.subnets}
    used: set[int] = set()
    for eni in d.interfaces.values():
        used.update(eni.private_ips)
        # The addresses it holds for good; a picked family's are representatives, not holes.
        fixed.setdefault(eni.subnet, set()).update(
            a for a in eni.private_ips if not (eni.ipv6_dynamic if a > IPV4_MAX else eni.dynamic))
    for nat in d.nat_gateways.values():
        used.add(nat.private_ip)
        fixed.setdefault(nat.subnet, set()).add(nat.private_ip)
    public_used = {e.public_ip for e in d.interfaces.values() if e.public_ip is not None}
    public_used |= {n.elastic_ip for n in d.nat_gateways.values() if n.elastic_ip is not None}
    named = set(cidrs) | {Cidr.parse(text) for text, _ in NOT_INTERNET}
    cuts = sorted({0, 1 << 32} | {c.first for c in named} | {c.last + 1 for c in named})
    per_block: dict[Cidr, list[tuple[tuple[int, int], ...]]] = {}
    interfaces: dict[str, Interface] = {}
    clones_of: dict[str, list[str]] = {}
    cases: dict[str, tuple[AddressCase, ...]] = {}
    truncated: list[str] = []
    skipped: list[tuple[str, str]] = []

    def family_cases(eni: Interface, block: Cidr, own: int) -> tuple[
            list[tuple[tuple[int, int], ...]], tuple[tuple[int, int], ...], tuple[tuple[int, int], ...] | None]:
        """One family's cases of an interface whose address of it AWS picks: the others, its own,
        the merged one past MAX_CASES."""
        if block not in per_block:
            per_block[block] = _subnet_cases(block, cidrs, fixed.get(eni.subnet, set()))
        groups = list(per_block[block])
        merged: tuple[tuple[int, int], ...] | None = None
        if len(groups) > MAX_CASES:
            truncated.append(eni.name)
            merged = tuple(sorted(r for g in groups[MAX_CASES - 1:] for r in g))
            groups = groups[: MAX_CASES - 1] + [merged]
        mine = next((g for g in groups if any(lo <= own <= hi for lo, hi in g)), None)
        return [g for g in groups if g is not mine], mine if mine is not None else ((own, own),), merged

    def own_class(eni: Interface, block: Cidr, own: int) -> tuple[tuple[int, int], ...]:
        """The free addresses every rule and route treats as a fixed address `own` (its class)."""
        groups = _subnet_cases(block, cidrs, fixed.get(eni.subnet, set()) - {own})
        return next((g for g in groups if any(lo <= own <= hi for lo, hi in g)), ((own, own),))

    for eni in d.interfaces.values():
        interfaces[eni.name] = dataclasses.replace(eni, dynamic=False, ipv6_dynamic=0)
        if not eni.picked:
            continue
        subnet = d.subnets[eni.subnet]
        # Each family apart, as a flow is of one family: the k-th clone stands for the k-th other
        # case of each family the interface's address of is picked, and for the rest at a free
        # address of the interface's own class (which every rule treats as its own address).
        ends: list[tuple[int, Cidr, bool]] = []  # (address, block, picked) per family it has
        four, six = eni.address_of(IPV4_BITS), eni.address_of(IPV6_BITS)
        if four is not None and subnet.cidr.bits == IPV4_BITS:
            ends.append((four, subnet.cidr, eni.dynamic))
        if six is not None and subnet.ipv6_cidr is not None:
            ends.append((six, subnet.ipv6_cidr, eni.ipv6_dynamic > 0))
        rests: list[list[tuple[tuple[int, int], ...]]] = []
        mines: list[tuple[tuple[int, int], ...] | None] = []
        merges: list[tuple[tuple[int, int], ...] | None] = []
        for addr, block, picked in ends:
            rest, mine, merged = family_cases(eni, block, addr) if picked else ([], None, None)
            rests.append(rest)
            mines.append(mine)
            merges.append(merged)
        picked_at = [n for n, (_, _, picked) in enumerate(ends) if picked]
        own_runs = tuple(r for n in picked_at for r in mines[n] or ())
        found = [AddressCase(eni.name, own_runs, ends[picked_at[0]][0] if picked_at else eni.primary_ip, eni.name,
                             merged=any(mines[n] is not None and mines[n] is merges[n] for n in picked_at))]
        for k in range(max((len(r) for r in rests), default=0)):
            news = [rest[k] if k < len(rest) else None for rest in rests]
            ips: list[int] = []
            for n, (addr, block, _) in enumerate(ends):
                if news[n] is None and mines[n] is None:
                    mines[n] = own_class(eni, block, addr)  # a fixed address: once, when a clone needs it
                pool = news[n] if news[n] is not None else mines[n]
                rep = next((a for lo, hi in pool or () for a in range(lo, hi + 1) if a not in used), None)
                if rep is None:
                    break
                ips.append(rep)
            new_runs = tuple(r for run in news if run is not None for r in run)
            if len(ips) < len(ends):
                skipped.append((eni.name, runs_text(new_runs)))
                continue
            used.update(ips)
            first_new = next(n for n, run in enumerate(news) if run is not None)
            name = f"{eni.name}{CLONE_MARK}{int_to_ip(ips[first_new])}"
            public = None
            if eni.public_ip is not None:
                public = _public_twin(eni.public_ip, cuts, public_used)
                public_used.add(public)
            interfaces[name] = dataclasses.replace(eni, name=name, private_ips=tuple(ips), public_ip=public,
                                                   aws_id=None, dynamic=False, ipv6_dynamic=0)
            clones_of.setdefault(eni.instance or "", []).append(name)
            found.append(AddressCase(eni.name, new_runs, ips[first_new], name,
                                     merged=any(run is not None and run is merges[n] for n, run in enumerate(news))))
        cases[eni.name] = tuple(found)
    instances = {
        name: dataclasses.replace(inst, interfaces=inst.interfaces + tuple(clones_of.get(name, ())))
        for name, inst in d.instances.items()
    }
    design = dataclasses.replace(d, interfaces=MappingProxyType(interfaces), instances=MappingProxyType(instances))
    return Expansion(type(net)(design, net.warnings), MappingProxyType(cases), tuple(truncated), tuple(skipped))
