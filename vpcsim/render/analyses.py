"""Analyses for people: exposure reports and reachability matrices -> rich tables.

The exposure and reachability tables for a terminal. Every name from the
design goes to rich as cleaned `Text`, never as markup: an instance called `[link=...]x` or
`[/]` is printed as written instead of becoming a link or a MarkupError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vpcsim.render import safe_text

if TYPE_CHECKING:
    from vpcsim.analyse import ExposureReport, ReachMatrix, Severity, TransitiveReport

__all__ = ["exposure_rich", "reach_rich", "transitive_rich"]


def exposure_rich(report: ExposureReport, min_severity: Severity | None = None, console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    from vpcsim.severity import Grade as Level

    styles = {Level.CRITICAL: "bold red", Level.HIGH: "red", Level.MEDIUM: "yellow", Level.INFO: "cyan"}
    console = console or Console(highlight=False)
    rows = report.exposed(min_severity)
    table = Table(title=safe_text(f"Internet exposure: {report.design}"), show_lines=False)
    six = report.ipv6  # the IPv6 column only for designs with IPv6 addresses
    columns = ("severity", "instance / interface", "public ip", *(("ipv6",) if six else ()), "gateway", "open to",
               "traffic", "services")
    for column in columns:
        table.add_column(column, overflow="fold")
    for e in rows:
        for f in e.findings:
            if min_severity is not None and f.severity.rank < min_severity.rank:
                continue
            ipv6 = (safe_text((e.ipv6_address or "") + (" (open)" if f.family == "ipv6" else "")),) if six else ()
            table.add_row(safe_text(f.severity.value, style=styles[f.severity]), safe_text(e.name),
                          safe_text(e.public_ip or ""), *ipv6, safe_text(e.internet_gateway or ""),
                          safe_text(", ".join(f.sources)), safe_text(f.traffic.describe()),
                          safe_text(", ".join(f.services) + (f"; {f.explanation}" if f.explanation else "")
                                    + "".join(f"; {c}" for c in f.causes)))
    console.print(table)
    if report.listeners:
        lbs = Table(title=safe_text("Internet-facing load balancer listeners"), show_lines=False)
        for column in ("load balancer", "listener", "verdict", "targets reached (port received)", "blocked by"):
            lbs.add_column(column, overflow="fold")
        for x in report.listeners:
            verdict = "reachable" if x.reachable else ("partly" if x.partial else "not reachable")
            reached = ", ".join(f"{t}:{port}" for _, t, port, ok in x.targets if ok) or "none"
            listener = x.listener + (" (IPv6)" if x.family == "ipv6" else "")
            lbs.add_row(safe_text(x.load_balancer), safe_text(listener), safe_text(verdict), safe_text(reached),
                        safe_text(", ".join(x.blocked_by)))
        console.print(lbs)
    counts = ", ".join(f"{n} {level}" for level, n in report.counts().items() if n) or "none"
    console.print(safe_text(f"{len(rows)} of {len(report.interfaces)} interfaces exposed ({counts}); "
                            f"{report.eni_classes} interface classes, {len(report.internet_classes)} internet classes, "
                            f"{report.probes} walks, {report.seconds:.2f}s"))


def transitive_rich(report: TransitiveReport, console: Any = None, limit: int = 20) -> None:
    """The one-pivot view: the pivots ranked by what they open, and the interfaces opened."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    table = Table(title=safe_text(f"One pivot: {report.design}"), show_lines=False)
    for column in ("#", "pivot", "like it", "in on", "opens", "critical", "traffic opened"):
        table.add_column(column, overflow="fold")
    for rank, p in enumerate([p for p in report.pivots if p.opens][:limit], 1):
        table.add_row(str(rank), safe_text(p.name), str(len(p.members) - 1), safe_text(p.entry.describe()),
                      str(p.opens), str(p.critical), safe_text(p.opened.describe()))
    console.print(table)
    opened = report.opened()
    rows = Table(title=safe_text("Interfaces opened by a pivot"), show_lines=False)
    for column in ("instance / interface", "vpc / subnet", "opened", "services", "through"):
        rows.add_column(column, overflow="fold")
    for e in opened[:limit]:
        rows.add_row(safe_text(e.name), safe_text(f"{e.vpc}/{e.subnet}"), safe_text(e.new.describe()),
                     safe_text(", ".join(e.services)), safe_text(", ".join(e.pivots)))
    console.print(rows)
    console.print(safe_text(f"{len(opened)} of {len(report.interfaces)} interfaces opened in two legs; "
                            f"{report.pairs} class pairs, {report.walks} walks, {report.seconds:.2f}s"))


def reach_rich(matrix: ReachMatrix, console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False)
    title = safe_text(f"Reachability {matrix.by[0]} -> {matrix.by[1]}: {matrix.design}")
    if matrix.grouped:
        _reach_groups_rich(matrix, console, title)
    elif len(matrix.cols) <= 8 and len(matrix.rows) <= 60:
        table = Table(title=title, show_lines=True)
        table.add_column("from \\ to", style="bold")
        for col in matrix.cols:
            table.add_column(safe_text(col), overflow="fold")
        for row in matrix.rows:
            cells: list[Text] = []
            for col in matrix.cols:
                cell = matrix.cells.get((row, col))
                if cell is None:
                    cells.append(Text("-", style="dim"))
                else:
                    text = safe_text(cell.any.describe())
                    if not cell.uniform:
                        text.append(" (some pairs)", style="dim")
                    cells.append(text)
            table.add_row(safe_text(row), *cells)
    else:
        table = Table(title=title)
        for column in ("from", "to", "traffic", "every pair"):
            table.add_column(column, overflow="fold")
        for c in matrix.cells.values():
            table.add_row(safe_text(c.src), safe_text(c.dst), safe_text(c.any.describe()),
                          safe_text("same" if c.uniform else c.all.describe()))
    if not matrix.grouped:
        console.print(table)
    console.print(safe_text(f"{matrix.cell_count} cells with traffic of {len(matrix.rows)} x {len(matrix.cols)}; "
                            f"{matrix.eni_classes} interface classes, {matrix.class_pairs} class pairs, "
                            f"{matrix.probes} walks, {matrix.seconds:.2f}s"))


def _reach_groups_rich(matrix: ReachMatrix, console: Any, title: Any) -> None:
    """A matrix too large to list cell by cell: its groups, its blocks, and the cells that differ."""
    from rich.table import Table

    def group_label(kind: str, index: int) -> str:  # as analyse.reach_text words it
        return f"{kind} group {index + 1}"

    groups = Table(title=safe_text("Groups of rows and columns that share a profile"))
    for column in ("group", "members"):
        groups.add_column(column, overflow="fold")
    for kind, found in (("row", matrix.row_groups), ("column", matrix.col_groups)):
        for i, members in enumerate(found):
            groups.add_row(safe_text(f"{group_label(kind, i)} ({len(members)})"), safe_text(", ".join(members)))
    console.print(groups)
    table = Table(title=title)
    for column in ("from", "to", "traffic", "every pair"):
        table.add_column(column, overflow="fold")
    for b in matrix.blocks.values():
        table.add_row(safe_text(group_label("row", b.rows)), safe_text(group_label("column", b.cols)),
                      safe_text(b.any.describe()), safe_text("same" if b.uniform else b.all.describe()))
    for c in matrix.exceptions():
        table.add_row(safe_text(c.src), safe_text(c.dst), safe_text(c.any.describe() if c.any else "nothing"),
                      safe_text("same" if c.uniform else c.all.describe()))
    console.print(table)
