"""Render: typed results -> plain text, JSON, or a rich console rendering (rich imported lazily)."""

from __future__ import annotations

import json
from typing import IO, Any

from vpcsim.errors import Diagnostic
from vpcsim.results import Action, Hop, TraceResult, format_ports

_MARK = {
    Action.ALLOW: "ok",
    Action.FORWARD: "->",
    Action.TRANSLATE: "nat",
    Action.ACCEPT: "ok",
    Action.EXIT: "->",
    Action.DENY: "DENY",
    Action.DROP: "DROP",
}


def verdict_line(result: TraceResult) -> str:
    flow = result.flow
    what = f"{flow.protocol} {flow.src} ({flow.src_ip}) -> {flow.dst} ({flow.dst_ip}) port {flow.dst_port}"
    if result.reachable:
        return f"REACHABLE: {what} [{result.disposition.value}]"
    if result.partial:
        return (
            f"PARTIALLY REACHABLE: {what}: replies get back only to client ports "
            f"{format_ports(result.admitted_src_ports)} of {format_ports(flow.src_ports)}"
        )
    return f"NOT REACHABLE: {what} [{result.disposition.value}]"


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
            f"{packet.protocol} {packet.src}:{format_ports(packet.src_ports)}\n"
            f"-> {packet.dst}:{format_ports(packet.dst_ports)}"
        )
    return f"{packet.protocol} {packet.src}\n-> {packet.dst}"


def trace_text(result: TraceResult) -> str:
    """A plain-text rendering: the verdict, both legs hop by hop, and every blocker."""
    lines = [verdict_line(result), "", "forward:"]
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
    return "\n".join(lines)


def trace_json(result: TraceResult) -> str:
    return json.dumps(result.to_json(), indent=2)


def trace_rich(result: TraceResult, file: IO[str] | None = None) -> None:
    """Print a trace for people: a hop table per leg, the verdict, and the blockers."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=file, highlight=False)
    style = "bold green" if result.reachable else ("bold yellow" if result.partial else "bold red")
    console.print(Text(verdict_line(result), style=style))
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
                decisions.append(step.detail)
                if step.location:
                    decisions.append(f" ({step.location})", style="dim")
                if step.considered and len(step.considered) > 1:
                    decisions.append(f"\n   beat: {'; '.join(step.considered[1:])}", style="dim")
                decisions.append("\n")
            decisions.rstrip()
            table.add_row(str(index), f"{hop.kind}\n{hop.name}{ident}", _packet_lines(hop), decisions)
        console.print(table)
    if result.blocked_by:
        console.print(Text("blocked by:", style="bold red"))
        for blocker in result.blocked_by:
            line = Text(f"  {blocker.code.value}", style="red")
            line.append(f" ({blocker.direction}) {blocker.detail}")
            if blocker.location:
                line.append(f"\n      at {blocker.location}", style="dim")
            console.print(line)
    for warning in result.warnings:
        console.print(Text(f"  warning {warning.code.value}: {warning.detail}", style="yellow"))


def diagnostics_text(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> str:
    """Every diagnostic as `file:line:col: severity: message`, with the source line and a caret."""
    sources: dict[str, list[str]] = {}
    for diagnostic in diagnostics:
        loc = diagnostic.location
        if loc is not None and loc.file not in sources and loc.line > 0:
            try:
                with open(loc.file, encoding="utf-8", errors="replace") as handle:
                    sources[loc.file] = handle.read(8 * 1024 * 1024).splitlines()
            except OSError:
                sources[loc.file] = []
    return "\n".join(d.format(sources) for d in diagnostics)


def to_json_text(data: Any) -> str:
    return json.dumps(data, indent=2)
