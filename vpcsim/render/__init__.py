"""Render: typed results -> plain text, JSON, or a rich console rendering (rich imported lazily).

Everything here may carry text from an untrusted design (names, tags, aws_id, file names), so
every rendering for people passes it through `clean` (no terminal control) and hands it to rich
as `Text`, never as markup (`[link=...]` and `[/]` are just characters).
"""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any

from vpcsim.errors import Diagnostic
from vpcsim.errors import clean as clean  # the one sanitiser (errors.clean), re-exported for renderers
from vpcsim.results import Action, BalancedResult, Hop, LegsResult, TraceResult, format_ports, with_port

if TYPE_CHECKING:
    from rich.text import Text

# Printed diagnostics stop here: 80,000 errors help nobody and take seconds to format.
MAX_DIAGNOSTICS = 200


def safe_text(text: str, style: str = "") -> Text:
    """User text for rich: cleaned, and a Text so that rich never reads it as markup."""
    from rich.text import Text

    return Text(clean(text), style=style)


_MARK = {
    Action.ALLOW: "ok",
    Action.FORWARD: "->",
    Action.TRANSLATE: "nat",
    Action.ACCEPT: "ok",
    Action.EXIT: "->",
    Action.DENY: "DENY",
    Action.DROP: "DROP",
}


def endpoint_text(typed: str, name: str | None, address: str) -> str:
    """An endpoint as typed, with the design's name and the address when they say more.

    'web-a (10.0.1.10)', 'i-0f42 = web-a (3.0.0.2)', '8.8.4.4', 'internet (8.8.8.8)'.
    """
    text = typed
    if name and name != typed:
        text += f" = {name}"
    return text if address == typed else f"{text} ({address})"


def verdict_line(result: TraceResult) -> str:
    flow = result.flow
    what = (f"{flow.protocol} {endpoint_text(flow.src, flow.src_name, flow.src_ip)} -> "
            f"{endpoint_text(flow.dst, flow.dst_name, flow.dst_ip)} "
            f"{'type' if flow.protocol in ('icmp', 'icmpv6') else 'port'} {flow.dst_port}")  # ICMP: the type
    if result.reachable:
        return f"REACHABLE: {what} [{result.disposition.value}]"
    if result.partial:
        if result.admitted_nat_ports:
            return (f"PARTIALLY REACHABLE: {what}: replies get back only on NAT gateway ports "
                    f"{format_ports(result.admitted_nat_ports)} of 1024-65535")
        return (
            f"PARTIALLY REACHABLE: {what}: replies get back only to client ports "
            f"{format_ports(result.admitted_src_ports)} of {format_ports(flow.src_ports)}"
        )
    return f"NOT REACHABLE: {what} [{result.disposition.value}]"


def address_lines(result: TraceResult) -> list[str]:
    """For endpoints whose address AWS picks: whether the verdict holds whichever it gets, else per case."""
    cases = result.address_cases
    if not cases:
        return []
    who = ", ".join(dict.fromkeys(c.interface for v in cases for c in v.cases))
    if not result.address_dependent:
        word = "reachable" if cases[0].reachable else "not reachable"
        merged = any(c.merged for v in cases for c in v.cases)
        note = "; several cases merged, judged at one address" if merged else ""
        return [f"address: {who} gets an address AWS picks; {word} whichever it gets ({len(cases)} case(s){note})"]
    lines = [f"address: DEPENDS ON THE ADDRESS AWS picks for {who}:"]
    for v in cases:
        why = f" [{v.disposition.value}: {', '.join(dict.fromkeys(b.code.value for b in v.blocked_by))}]" \
            if v.blocked_by else f" [{v.disposition.value}]"
        lines.append(f"  - {'reachable' if v.reachable else 'not reachable'} for {v.describe()}{why}")
    return lines


def _hop_lines(hops: tuple[Hop, ...]) -> list[str]:
    lines = []
    for index, hop in enumerate(hops, 1):
        ident = f" [{hop.aws_id}]" if hop.aws_id else ""
        lines.append(f"  {index:>2}. {hop.kind} {hop.name}{ident}   {hop.packet.describe()}")
        for step in hop.steps:
            where = f"  ({step.location})" if step.location else ""
            lines.append(f"        {_MARK.get(step.action, step.action.value):>4}  {step.detail}{where}")
            if step.considered and len(step.considered) > 1:
                lines.append(f"              beat: {'; '.join(step.considered[1:])}")
    return lines


def _packet_lines(hop: Hop) -> str:
    """The header on two lines (source, then destination), so narrow tables never split an address."""
    packet = hop.packet
    if packet.protocol in ("tcp", "udp"):
        return (
            f"{packet.protocol} {with_port(packet.src)}:{format_ports(packet.src_ports)}\n"
            f"-> {with_port(packet.dst)}:{format_ports(packet.dst_ports)}"
        )
    return f"{packet.protocol} {packet.src}\n-> {packet.dst}"


def trace_text(result: TraceResult) -> str:
    """A plain-text rendering: the verdict, both legs hop by hop, and every blocker."""
    lines = [verdict_line(result), *address_lines(result), "", "forward:"]
    lines += _hop_lines(result.forward)
    if result.return_path:
        lines += ["", "return:"]
        lines += _hop_lines(result.return_path)
    if result.blocked_by:
        lines += ["", "blocked by:"]
        for blocker in result.blocked_by:
            where = f"\n        at {blocker.location}" if blocker.location else ""
            lines.append(f"  - {blocker.code.value} ({blocker.direction}): {blocker.detail}{where}")
    if result.warnings:
        lines += ["", "warnings:"]
        for warning in result.warnings:
            lines.append(f"  - {warning.code.value} ({warning.direction}): {warning.detail}")
    return clean("\n".join(lines))


def trace_json(result: TraceResult) -> str:
    return json.dumps(result.to_json(), indent=2)


def trace_rich(result: TraceResult, file: IO[str] | None = None) -> None:
    """Print a trace for people: a hop table per leg, the verdict, and the blockers."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=file, highlight=False)
    style = "bold green" if result.reachable else ("bold yellow" if result.partial else "bold red")
    console.print(safe_text(verdict_line(result), style=style))
    for text in address_lines(result):
        console.print(safe_text(text, style="bold yellow" if result.address_dependent else "dim"))
    for title, hops in (("forward", result.forward), ("return", result.return_path)):
        if not hops:
            continue
        table = Table(title=f"{title} path", title_justify="left", show_lines=False, expand=True)
        table.add_column("#", justify="right", style="dim", no_wrap=True)
        table.add_column("component", no_wrap=True)
        table.add_column("packet", overflow="fold", ratio=3)
        table.add_column("decision", overflow="fold", ratio=5)
        for index, hop in enumerate(hops, 1):
            ident = f"\n[{hop.aws_id}]" if hop.aws_id else ""
            decisions = Text()
            for step in hop.steps:
                mark = _MARK.get(step.action, step.action.value)
                color = "red" if step.action in (Action.DENY, Action.DROP) else "green"
                decisions.append(f"{mark} ", style=color)
                decisions.append(clean(step.detail))
                if step.location:
                    decisions.append(clean(f" ({step.location})"), style="dim")
                if step.considered and len(step.considered) > 1:
                    decisions.append(clean(f"\n   beat: {'; '.join(step.considered[1:])}"), style="dim")
                decisions.append("\n")
            decisions.rstrip()
            table.add_row(str(index), safe_text(f"{hop.kind}\n{hop.name}{ident}"), safe_text(_packet_lines(hop)),
                          decisions)
        console.print(table)
    if result.blocked_by:
        console.print(Text("blocked by:", style="bold red"))
        for blocker in result.blocked_by:
            line = Text(f"  {blocker.code.value}", style="red")
            line.append(clean(f" ({blocker.direction}) {blocker.detail}"))
            if blocker.location:
                line.append(clean(f"\n      at {blocker.location}"), style="dim")
            console.print(line)
    for warning in result.warnings:
        console.print(safe_text(f"  warning {warning.code.value}: {warning.detail}", style="yellow"))


def legs_verdict(result: LegsResult) -> str:
    """One line for a path of legs: the route through its hops, and which legs fail."""
    legs = result.legs
    first = legs[0].flow
    route = " -> ".join([endpoint_text(first.src, first.src_name, first.src_ip)]
                        + [f"{leg.flow.dst}:{leg.flow.dst_port}" for leg in legs])
    if result.reachable:
        return f"REACHABLE in {len(legs)} legs: {route}"
    failed = ", ".join(str(i + 1) for i in result.failed_legs)
    return f"NOT REACHABLE in {len(legs)} legs: {route}: leg {failed} fails"


def legs_text(result: LegsResult) -> str:
    """Plain text: the path's verdict, then every leg as `trace_text` renders it."""
    parts = [clean(legs_verdict(result))]
    for index, leg in enumerate(result.legs, 1):
        parts += ["", f"== leg {index} of {len(result.legs)} ==", trace_text(leg)]
    return "\n".join(parts)


def legs_json(result: LegsResult) -> str:
    return json.dumps(result.to_json(), indent=2)


def legs_rich(result: LegsResult, file: IO[str] | None = None) -> None:
    """Print a path of legs for people: its verdict, then each leg as `trace_rich` prints it."""
    from rich.console import Console
    from rich.rule import Rule

    console = Console(file=file, highlight=False)
    console.print(safe_text(legs_verdict(result), style="bold green" if result.reachable else "bold red"))
    for index, leg in enumerate(result.legs, 1):
        console.print(Rule(safe_text(f"leg {index} of {len(result.legs)}")))
        trace_rich(leg, file=file)


def balanced_verdict(result: BalancedResult) -> str:
    """One line for a flow to a load balancer: the verdict, the listener, the targets reached."""
    family = ", IPv6" if result.family == "ipv6" else ""
    head = f"{result.src} -> {result.load_balancer} ({result.type}, {result.scheme}{family})"
    listener = result.listener or f"no listener for {result.protocol} port {result.port}"
    served = result.served
    working = [n for n in served if n.front.reachable and any(t.reached for t in result.targets if t.node == n.node)]
    reached = ", ".join(result.reached_targets) or "none"
    if result.reachable:
        word = "REACHABLE"
    elif result.partial:
        word = "PARTLY REACHABLE"
    else:
        word = "NOT REACHABLE"
    return (f"{word}: {head} {listener}: {len(working)} of {len(served)} nodes in DNS get through; "
            f"targets reached: {reached}")


def _balanced_sections(result: BalancedResult) -> list[tuple[str, TraceResult]]:
    out = []
    for node in result.nodes:
        dns = "" if node.in_dns else ", out of DNS"
        out.append((f"client -> {node.node} ({node.zone}, {node.address}{dns})", node.front))
    for path in result.targets:
        health = "healthy" if path.healthy else "UNHEALTHY"
        if path.observed is not None:
            health += f"; describe-target-health: {path.observed}"
        group = f"target group {path.target_group}" + (", IPv6" if path.family == "ipv6" else "")
        out.append((f"{path.node} -> {path.target}:{path.port} ({group}; {health})",
                    path.leg))
        if path.health is not None:
            port = path.health.flow.dst_port
            out.append((f"health check {path.node} -> {path.target}:{port}", path.health))
    return out


def balanced_text(result: BalancedResult) -> str:
    """Plain text: the verdict, the load balancer's own blockers, then every leg as `trace_text`."""
    parts = [clean(balanced_verdict(result))]
    for blocker in result.blocked_by:
        where = f" ({blocker.location})" if blocker.location else ""
        parts.append(clean(f"  blocked: {blocker.code.value} {blocker.detail}{where}"))
    for warning in result.warnings:
        parts.append(clean(f"  warning {warning.code.value}: {warning.detail}"))
    for title, leg in _balanced_sections(result):
        parts += ["", clean(f"== {title} =="), trace_text(leg)]
    return "\n".join(parts)


def balanced_json(result: BalancedResult) -> str:
    return json.dumps(result.to_json(), indent=2)


def balanced_rich(result: BalancedResult, file: IO[str] | None = None) -> None:
    """Print a flow to a load balancer for people: the verdict and blockers, then each leg."""
    from rich.console import Console
    from rich.rule import Rule

    console = Console(file=file, highlight=False)
    console.print(safe_text(balanced_verdict(result), style="bold green" if result.reachable else "bold red"))
    for blocker in result.blocked_by:
        console.print(safe_text(f"  {blocker.code.value} {blocker.detail}", style="red"))
    for warning in result.warnings:
        console.print(safe_text(f"  warning {warning.code.value}: {warning.detail}", style="yellow"))
    for title, leg in _balanced_sections(result):
        console.print(Rule(safe_text(title)))
        trace_rich(leg, file=file)


# Codes of files that did not read as the expected format: their lines are never echoed, so a
# link to /etc/passwd (or a secret beside the design) cannot be printed by an error message.
_NO_ECHO = frozenset({"io", "binary", "encoding", "yaml", "too-large", "too-deep", "load",
                      "aws-json", "aws-encoding", "aws-not-object", "aws-outside", "aws-too-large"})
_ECHO_BYTES = 8 * 1024 * 1024


def diagnostics_text(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic], limit: int = MAX_DIAGNOSTICS) -> str:
    """Every diagnostic as `file:line:col: severity: message`, with the source line and a caret.

    At most `limit` are printed, errors first, then a count of the rest.
    """
    from vpcsim.errors import Severity
    from vpcsim.loader.reader import FileTooLarge, UnreadableFile, read_regular

    shown = list(diagnostics)
    if len(shown) > limit:
        shown = sorted(shown, key=lambda d: d.severity is not Severity.ERROR)[:limit]
    unreadable = {d.location.file for d in shown if d.location is not None and d.code in _NO_ECHO}
    sources: dict[str, list[str]] = {}
    for diagnostic in shown:
        loc = diagnostic.location
        if loc is not None and loc.file not in sources and loc.line > 0:
            lines: list[str] = []
            if loc.file not in unreadable:
                try:  # only a regular file, read once and capped: never a FIFO or a device
                    lines = read_regular(loc.file, _ECHO_BYTES).decode("utf-8", "replace").splitlines()
                except (UnreadableFile, FileTooLarge):
                    pass
            sources[loc.file] = lines
    text = "\n".join(_cut(d.format(sources)) for d in shown)
    rest = len(diagnostics) - len(shown)
    if rest > 0:
        text += f"\n... and {rest:,} more (the first {len(shown):,} are shown)"
    return clean(text)


def _cut(text: str, limit: int = 2000) -> str:
    """One diagnostic, at most `limit` characters: a message may quote a megabyte-long key."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def open_output(path: str, *, inputs: tuple[str, ...] = (), append: bool = False, what: str = "--output") -> IO[str]:
    """Open a report file for writing; UsageError (exit 2) saying why when it cannot be one.

    Refuses a missing folder, a folder, a FIFO or a device (opening a FIFO blocks until someone
    reads it; a device is no report), and any of `inputs`: `check d.yaml --output d.yaml` must not replace the design.
    The type is checked on the open descriptor, and the file is emptied only after that.
    """
    import os
    import stat

    from vpcsim.errors import UsageError

    def refuse(why: str) -> UsageError:
        return UsageError(f"cannot write {what} {path!r}: {why}")

    if not isinstance(path, str) or not path:
        raise refuse("expected a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise refuse(f"the folder {folder!r} does not exist")
    for given in inputs:
        try:
            if os.path.samefile(path, given):
                raise refuse(f"it is an input ({given!r}); write the report to another file")
        except OSError:
            continue  # either does not exist yet
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= os.O_APPEND if append else 0
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        raise refuse(exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refuse("not a regular file (a folder, FIFO or device); use - for standard output")
        if any(_same_inode(info, given) for given in inputs):
            raise refuse("it is an input; write the report to another file")
        os.set_blocking(fd, True)
        if not append:
            os.ftruncate(fd, 0)
        return os.fdopen(fd, "a" if append else "w", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


def _same_inode(info: Any, path: str) -> bool:
    import os

    try:
        other = os.stat(path)
    except OSError:
        return False
    return bool(other.st_ino == info.st_ino and other.st_dev == info.st_dev)


def to_json_text(data: Any) -> str:
    return json.dumps(data, indent=2)
