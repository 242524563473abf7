"""How steps name rules, ports and packets: 'rule 100 allow tcp 443 0.0.0.0/0', 'icmp type 8'."""

from __future__ import annotations

from vpcsim.core import ICMP_PROTOS
from vpcsim.facts import NACL_IMPLICIT_DENY, NACL_IMPLICIT_DENY6
from vpcsim.model import NaclRule, SgRule, protocol_label
from vpcsim.results import PortRanges, format_ports


def ranges_size(ranges: PortRanges | list[tuple[int, int]]) -> int:
    return sum(hi - lo + 1 for lo, hi in ranges)


def ports_text(proto: int, lo: int, hi: int) -> str:
    if proto == -1:
        return "all traffic"
    label = protocol_label(proto)
    if proto in ICMP_PROTOS:  # icmp, icmpv6: type*256+code
        if (lo, hi) == (0, 65535):
            return f"{label} (all types)"
        if hi - lo == 255:
            return f"{label} type {lo // 256}"
        return f"{label} type {lo // 256} code {lo % 256}"
    if proto not in (6, 17) or (lo, hi) == (0, 65535):
        return f"{label} (all ports)"
    return f"{label} {lo}" if lo == hi else f"{label} {lo}-{hi}"


def packet_text(proto: int, ports: PortRanges) -> str:
    """A packet as details name it: 'tcp 443', 'icmpv6 type 128 code 0', '47' (no ports).

    Why: ICMP carries type*256+code in the port field, which read as 'icmp 3328' in details.
    """
    if proto in ICMP_PROTOS:
        return ", ".join(ports_text(proto, lo, hi) for lo, hi in ports)
    if proto not in (6, 17):
        return protocol_label(proto)
    return f"{protocol_label(proto)} {format_ports(ports)}"


def range_text(lo: int, hi: int) -> str:
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def nacl_rule_text(rule: NaclRule | None, six: bool = False) -> str:
    if rule is None:  # each family has its own '*', numbered apart
        return f"rule * ({NACL_IMPLICIT_DENY6 if six else NACL_IMPLICIT_DENY}, implicit) deny all traffic"
    action = "allow" if rule.allow else "deny"
    return f"rule {rule.number} {action} {ports_text(rule.protocol, rule.port_lo, rule.port_hi)} {rule.cidr}"


def sg_rule_text(rule: SgRule) -> str:
    return f"{ports_text(rule.protocol, rule.port_lo, rule.port_hi)} {rule.describe_peer()}"


def nacl_text(texts: dict[int, str], rule: NaclRule | None, six: bool = False) -> str:
    """A NACL rule's text, memoized in `texts` by the rule's identity (the network's rule_texts).

    Why by id: rules live as long as the design, and hashing a frozen record costs more than
    formatting it.
    """
    if rule is None and six:
        return nacl_rule_text(None, six=True)  # (the memo's id(None) is IPv4's '*')
    text = texts.get(id(rule))
    if text is None:
        text = texts[id(rule)] = nacl_rule_text(rule)
    return text


def sg_text(texts: dict[int, str], rule: SgRule) -> str:
    """A security-group rule's text, memoized like `nacl_text`."""
    text = texts.get(id(rule))
    if text is None:
        text = texts[id(rule)] = sg_rule_text(rule)
    return text
