"""Plan review: two networks (a Terraform plan and its prior_state, or two files) -> what the change opens or closes.

Both halves are exact over every protocol and port: set differences of the exposure analysis and
of the reachability matrix (by instance) of the two sides. For each change one flow is traced,
and the settings it passes (security group and NACL rules, routes) are listed with their
locations, so a review comment says which setting opened what.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from vpcsim.errors import DesignError, Severity, VpcsimError
from vpcsim.model import Instance, Interface
from vpcsim.network import Network
from vpcsim.reach import addresses, walk
from vpcsim.records import record
from vpcsim.traffic import Traffic

__all__ = ["Change", "PlanDiff", "load_network", "plan_diff"]


@record
class Change:
    """Traffic that one side allows and the other does not, for one interface or one pair."""

    subject: str  # an instance (exposure) or "src → dst" (a flow), by the after side's names
    opened: Traffic
    closed: Traffic
    # The settings a flow of the opened (closed) traffic passes after (passed before) the change:
    # the security group and NACL rules and the routes, each with its location.
    opened_via: tuple[str, ...] = ()
    closed_via: tuple[str, ...] = ()
    was: str | None = None  # the subject by the before side's names, when an object was renamed

    def label(self) -> str:
        return self.subject if self.was is None else f"{self.subject} (was {self.was})"

    def to_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "was": self.was, "opened": self.opened.to_json(),
                "opened_text": self.opened.describe(),
                "opened_via": list(self.opened_via), "closed": self.closed.to_json(),
                "closed_text": self.closed.describe(), "closed_via": list(self.closed_via)}


@record
class PlanDiff:
    """The exposure to the internet and the flows between instances that a change opens or closes.

    Both are exact over every protocol and port: they are set differences of the exposure
    analysis and of the reachability matrix (by instance) of the two sides.
    """

    before: str
    after: str
    exposure: tuple[Change, ...]
    flows: tuple[Change, ...]

    @property
    def opens(self) -> bool:
        return any(c.opened for c in self.exposure + self.flows)

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "opens": self.opens,
                "exposure": [c.to_json() for c in self.exposure], "flows": [c.to_json() for c in self.flows]}

    def markdown(self) -> str:
        """The review comment: what the change opens and closes, as Markdown."""
        lines = ["### vpcsim: what this change opens or closes", "",
                 (f"Before: the prior_state of {_md(self.after)}; after: its planned state." if self.before == self.after
                  else f"Before: {_md(self.before)}; after: {_md(self.after)}."), ""]
        if not self.exposure and not self.flows:
            lines.append("No change to internet exposure or to the flows between instances.")
            return "\n".join(lines) + "\n"
        for title, changes in (("Internet exposure", self.exposure), ("Flows between instances", self.flows)):
            if not changes:
                continue
            lines += [f"#### {title}", "", "| | opened | closed |", "| --- | --- | --- |"]
            for c in changes:
                lines.append(f"| {_md(c.label())} | {_md(c.opened.describe()) if c.opened else ''} | "
                             f"{_md(c.closed.describe()) if c.closed else ''} |")
            lines.append("")
            for c in changes:
                for verb, traffic, via in (("opens", c.opened, c.opened_via), ("closes", c.closed, c.closed_via)):
                    if via:
                        first = traffic.first()
                        what = f"{first[0].value} {first[1]}" if first else ""
                        lines += [f"<details><summary>{_md(c.label())} {verb} {_md(what)} through {len(via)} "
                                  "settings</summary>", ""]
                        lines += [f"- {_md(v)}" for v in via]
                        lines += ["", "</details>", ""]
        return "\n".join(lines)


def _md(text: str) -> str:
    """Text from the plan (paths, names, rules) in Markdown: no emphasis, links, code, table pipes or HTML."""
    escaped = re.sub(r"([\\`*\[\]|~])", r"\\\1", text)
    return escaped.replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def load_network(path: str | os.PathLike[str], *, side: str = "after",
                 tf_dir: str | os.PathLike[str] | None = None) -> Network:
    """A plan's side (or a state, or any design vpcsim loads) -> a compiled Network; DesignError if invalid.

    `tf_dir`: the folder of the `.tf` sources (default: beside the plan), for `file.tf:line` locations.
    """
    import vpcsim
    from vpcsim.importers.terraform import is_terraform_json, load_terraform_tree, sibling_tf_dir
    from vpcsim.loader.build import build
    from vpcsim.loader.validate import validate

    if side == "after" or not is_terraform_json(path):
        return vpcsim.load(path, tf_dir=tf_dir)
    import vpcsim.components  # noqa: F401  (registers the design sections component modules add, as vpcsim.load does)

    tree, diagnostics = load_terraform_tree(path, side=side, tf_dir=sibling_tf_dir(path) if tf_dir is None else tf_dir)
    design, built = build(tree, os.fspath(path))
    diagnostics = [*diagnostics, *built, *validate(design)]
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise DesignError(diagnostics)
    return Network(design, tuple(diagnostics))


def plan_diff(before: Network, after: Network, *, ephemeral: tuple[int, int] | None = None) -> PlanDiff:
    """What `after` opens or closes compared with `before`: internet exposure and instance-to-instance flows."""

    # subject (one name, or a source and a destination) -> (traffic, (source, destination) to
    # trace, per internet class label for exposure); one of these per address family.
    Seen = dict[tuple[str, ...], tuple[Traffic, str, str, tuple[tuple[str, Traffic], ...]]]

    def exposure(net: Network) -> tuple[Seen, Seen]:
        if not net.design.interfaces:
            return {}, {}
        report = net.exposure(ephemeral=ephemeral)
        where = {c.label: c.representative for c in report.internet_classes}
        seen: Seen = {
            (_subject(e.name, e.instance, e.interface),): (
                e.traffic, "internet", e.interface, tuple((where.get(label, label), t) for label, t in e.by_source))
            for e in report.interfaces
        }
        # IPv6 (the exposure's IPv6 column): traced to the IPv6 address.
        where6 = {c.label: c.representative for c in report.internet_classes6}
        seen6: Seen = {
            (_subject(e.name, e.instance, e.interface),): (
                e.ipv6, "internet6", e.ipv6_address, tuple((where6.get(label, label), t) for label, t in e.ipv6_by_source))
            for e in report.interfaces if e.ipv6_address is not None
        }
        return seen, seen6

    def flows(net: Network) -> tuple[Seen, Seen]:
        if not net.design.interfaces:
            return {}, {}
        matrix = net.reach(ephemeral=ephemeral)
        seen: Seen = {(src, dst): (cell.any, src, dst, ()) for (src, dst), cell in matrix.cells.items() if src != dst}
        # Over IPv6, between the instances' first IPv6 addresses (the matrix's), traced between them.
        six = {name: text for name in net.design.instances if (text := _ipv6_of(net, name)) is not None}
        matrix6 = net.reach(ephemeral=ephemeral, family="ipv6")
        seen6: Seen = {(src, dst): (cell.any, six.get(src, ""), six.get(dst, ""), ())
                       for (src, dst), cell in matrix6.cells.items() if src != dst}
        return seen, seen6

    renamed = _renames(before, after)

    def changes(old: Seen, new: Seen, suffix: str = "") -> list[Change]:
        out = []
        none = (Traffic.none(), "", "", ())
        # The before side under the after side's names: a renamed object is the same object.
        old_as_new = {tuple(renamed.get(n, n) for n in key): (key, seen) for key, seen in old.items()}
        for subject in sorted(set(old_as_new) | set(new)):
            key, was = old_as_new.get(subject, (subject, none))
            now = new.get(subject, none)
            opened, closed = now[0] - was[0], was[0] - now[0]
            if opened or closed:
                out.append(Change(" → ".join(subject) + suffix, opened, closed, _via(after, now, opened, ephemeral),
                                  _via(before, was, closed, ephemeral),
                                  " → ".join(key) + suffix if key != subject else None))
        return out

    def both(old: tuple[Seen, Seen], new: tuple[Seen, Seen]) -> tuple[Change, ...]:
        # A change over IPv6 is a subject of its own ("app-a (IPv6)"), listed after its IPv4 twin.
        return tuple(sorted(changes(old[0], new[0]) + changes(old[1], new[1], " (IPv6)"), key=lambda c: c.subject))

    return PlanDiff(before.design.file, after.design.file, both(exposure(before), exposure(after)),
                    both(flows(before), flows(after)))


def _subject(name: str, instance: str | None, interface: str) -> str:
    """An exposure row's subject: its instance for the first interface, else the interface."""
    return name if instance is None or interface.endswith(".eth0") else interface


def _ipv6_of(net: Network, name: str) -> str | None:
    """The first IPv6 address of an instance's interfaces, as text (None: it has none)."""
    from vpcsim.model import IPV6_BITS, int_to_ip

    d = net.design
    instance = d.instances.get(name)
    for eni in (instance.interfaces if instance is not None else ()):
        addr = d.interfaces[eni].address_of(IPV6_BITS)
        if addr is not None:
            return int_to_ip(addr)
    return None


def _first_interface(net: Network, name: str) -> str:
    """The interface a trace endpoint stands for: an instance's first, else the name itself."""
    instance = net.design.instances.get(name)
    return instance.interfaces[0] if instance is not None and instance.interfaces else name


def _identities(net: Network, section: str, moved: Mapping[str, str]) -> dict[str, set[tuple[str, str]]]:
    """Each instance's (or interface's) identities beyond its name: its AWS id and Terraform
    address, and the address a `moved` block gave it before (`moved`: new -> previous)."""
    out: dict[str, set[tuple[str, str]]] = {}
    d = net.design
    objects: Mapping[str, Instance | Interface] = d.instances if section == "instances" else d.interfaces
    for obj in objects.values():
        keys = out.setdefault(obj.name, set())
        if obj.aws_id:
            keys.add(("id", obj.aws_id))
        # A Terraform object's location names its address: `aws_instance.web, $.resource_changes[3]`
        # in the JSON, or `aws_instance.web` at its .tf block.
        if d.file.endswith(".json") and obj.loc.path and re.match(r"^(?:module\.|aws_)", obj.loc.path):
            address = obj.loc.path.split(", ")[0].split(" ")[0]
            keys.add(("tf", address))
            if address in moved:
                keys.add(("tf", moved[address]))
    return out


def _moved(net: Network) -> dict[str, str]:
    """The `moved` blocks of the plan a network was read from ({} for anything else)."""
    from vpcsim.importers.terraform import is_terraform_json, moved_addresses

    try:
        return moved_addresses(net.design.file) if is_terraform_json(net.design.file) else {}
    except DesignError:
        return {}


def _renames(before: Network, after: Network) -> dict[str, str]:
    """Before-side names of objects the after side holds under another name (same AWS id or address)."""
    out: dict[str, str] = {}
    moved = _moved(after)
    for section in ("instances", "interfaces"):
        old, new = _identities(before, section, {}), _identities(after, section, moved)
        owner: dict[tuple[str, str], list[str]] = {}
        for name, keys in new.items():
            for key in keys:
                owner.setdefault(key, []).append(name)
        for name, keys in old.items():
            if name in new:
                continue
            # AWS ids first ("id" < "tf"); then the address, or the one a `moved` block moved it from.
            for key in sorted(keys):
                found = [n for n in owner.get(key, []) if n not in old]
                if len(found) == 1:
                    out[name] = found[0]
                    break
    return out


# The trace's step kinds (vpcsim.results.StepKind values) that are settings a reviewer can change.
_VIA_STEPS = frozenset({"security_group_egress", "security_group_ingress", "nacl_outbound", "nacl_inbound",
                        "route_lookup"})


def _via(net: Network, seen: tuple[Traffic, str, str, tuple[tuple[str, Traffic], ...]], traffic: Traffic,
         ephemeral: tuple[int, int] | None) -> tuple[str, ...]:
    """The settings one flow of `traffic` (its first protocol and port) passes, forward and back."""
    first = traffic.first()
    if first is None or not seen[1]:
        return ()
    kind, port = first
    src = seen[1]
    for address, part in seen[3]:  # from the internet: an address of a class the traffic is open to
        if (kind, port) in part:
            src = address
            break
    protocol = kind.value if kind.value != "ip" else str(port)  # tcp, udp, icmp, icmpv6: by name
    try:
        result = net.trace(src, seen[2], port if kind.value != "ip" else 0, protocol, ephemeral=ephemeral)
        case = next((v for v in result.address_cases if v.reachable), None)
        if not result.reachable and case is not None:
            # The representative address is blocked, another address AWS may pick is not: show that one.
            names = {c.interface: c.name for c in case.cases}
            expanded = addresses.expanded(net).net
            ends = [names.get(_first_interface(net, end), end) for end in (src, seen[2])]
            result = walk.trace(expanded, ends[0], ends[1], port if kind.value != "ip" else 0, protocol,
                                ephemeral=ephemeral)
    except VpcsimError:
        return ()
    out: list[str] = []
    for hop in (*result.forward, *result.return_path):
        for step in hop.steps:
            if step.kind.value in _VIA_STEPS and step.location is not None and step.action.value != "DENY":
                text = f"{step.detail} ({step.location})"
                if text not in out:
                    out.append(text)
    return tuple(out)
