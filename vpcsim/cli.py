# PYTHON_ARGCOMPLETE_OK
"""CLI: parse arguments, call the library, render, map outcomes to exit codes.

Exit codes: 0 the command ran (a trace ran, whatever its verdict; a design is valid; every
assertion holds; no failing lint finding); 1 an assertion failed (`vpcsim check`) or a lint
finding fails (`vpcsim lint`); 2 usage error; 3 invalid design, assertion file or unknown endpoint.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INVALID = 3

_T = TypeVar("_T")



def _port(text: str) -> int:
    from vpcsim import arguments
    from vpcsim.model import parse_decimal

    number = parse_decimal(text)  # ASCII decimal only: '²'.isdigit() is true, int('²') raises
    if number is None or not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {arguments.quote(text)} (expected 0-65535)")
    return number


def _ephemeral(text: str) -> tuple[int, int]:
    from vpcsim import arguments
    from vpcsim.errors import UsageError

    try:
        return arguments.ephemeral(text)
    except UsageError:
        raise argparse.ArgumentTypeError(
            f"invalid ephemeral range {arguments.quote(text)} (expected lo-hi, linux, windows or nat)"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    from vpcsim import __version__

    parser = argparse.ArgumentParser(
        prog="vpcsim",
        description="Simulate AWS-style VPC designs: can X talk to Y on port Z, and if not, what blocks it?",
    )
    parser.add_argument("--version", action="version", version=f"vpcsim {__version__}")
    _config_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    trace = sub.add_parser("trace", help="trace a flow hop by hop, forward and back")
    trace.add_argument("src", metavar="SRC", help="instance, ENI, IP address, or 'internet'")
    trace.add_argument("dst", metavar="DST", help="instance, ENI, IP address, or 'internet'")
    trace.add_argument("port", metavar="PORT", type=_port, nargs="?", default=None,
                       help="destination port (ICMP, ICMPv6: the type, 8 / 128 = echo; or give --icmp-type)")
    trace.add_argument("--protocol", "-p", default="tcp",
                       help="tcp (default), udp, icmp, icmpv6, or a protocol number")
    trace.add_argument("--icmp-type", type=_port, default=None,
                       help="ICMP type (with -p icmp): 8 echo, 3 unreachable; ICMPv6 (-p icmpv6): 128 echo, 2 too big")
    trace.add_argument("--icmp-code", type=_port, default=None,
                       help="ICMP code (with -p icmp or icmpv6; default 0): 4 with type 3 is path-MTU "
                            "'fragmentation needed'")
    trace.add_argument("--src-port", type=_port, default=None, help="a concrete client source port")
    trace.add_argument(
        "--ephemeral",
        type=_ephemeral,
        default=None,
        help="the client's ephemeral port range: lo-hi, linux (32768-60999, default), windows, nat",
    )
    trace.add_argument("--via", action="append", default=None, metavar="HOP[:PORT]",
                       help="through a jump host: trace SRC -> HOP on PORT (default: the flow's own), then HOP -> "
                       "DST; repeat for several hops")
    trace.add_argument("--design", "-d", default=DEFAULT_DESIGN, help="design file or AWS snapshot folder")
    _tf_dir_option(trace)
    out = trace.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument("--text", action="store_true", help="plain text instead of the rich rendering")

    validate = sub.add_parser("validate", help="load and validate a design; print every problem")
    validate.add_argument("design", metavar="DESIGN", nargs="?", default=DEFAULT_DESIGN)
    validate.add_argument("--json", action="store_true", help="print diagnostics as JSON")
    _tf_dir_option(validate)

    schema = sub.add_parser("schema", help="print the JSON Schema of the design format")
    schema.add_argument("--path", action="store_true", help="print the schema's file path instead")

    check = sub.add_parser(
        "check",
        help="verify reachability assertions; exit 1 if any fails",
        description="Verify the design's reachability promises: its `assertions:` section and the given "
        "assertion files (default: DESIGN's sibling <name>.assertions.yaml). See docs/assertions.md.",
    )
    check.add_argument("design", metavar="DESIGN", nargs="?", default=DEFAULT_DESIGN,
                       help="design file (default: the config's design, else vpcsim.yaml)")
    check.add_argument("assertions", metavar="ASSERTIONS", nargs="*", help="assertion files")
    _report_options(check)
    _tf_dir_option(check)

    lint = sub.add_parser(
        "lint",
        help="check a design against AWS's rules and good practice; exit 1 on findings",
        description="Lint a design: AWS validation plus the VPC0xx practice rules (see docs/lint.md).",
    )
    lint.add_argument("design", metavar="DESIGN", nargs="?", default=DEFAULT_DESIGN,
                      help="design file or AWS snapshot folder (default: the config's design, else vpcsim.yaml)")
    _report_options(lint)
    _tf_dir_option(lint)
    lint.add_argument(
        "--fail-on",
        choices=["error", "warning", "note", "never"],
        default="warning",
        help="the lowest level that fails the run (default: warning)",
    )
    lint.add_argument("--select", default="", help="comma-separated rule ids to run (VPC001,VPC0*,aws)")
    lint.add_argument("--ignore", default="", help="comma-separated rule ids to skip")

    exposure = sub.add_parser(
        "exposure",
        help="what the internet reaches on every interface, graded by severity",
        description="For every interface: the protocols and ports reachable from the internet (exactly, over "
        "every port and every internet address) and through which internet gateway and public IP, graded "
        "critical / high / medium / info. See docs/analyses.md.",
    )
    exposure.add_argument("--design", "-d", default=DEFAULT_DESIGN, help="design file or AWS snapshot folder")
    exposure.add_argument("--min-severity", default=None, choices=["critical", "high", "medium", "info"],
                          help="list only interfaces with a finding at least this severe")
    exposure.add_argument("--transitive", action="store_true",
                          help="also the one-pivot view: what the internet reaches in two legs through any exposed "
                          "interface that can reach it, and those pivots ranked by what they open")
    _analysis_options(exposure)
    _tf_dir_option(exposure)

    reach = sub.add_parser(
        "reach",
        help="the reachability matrix between instances, subnets or security groups",
        description="Which traffic gets from each source group to each destination group and back, exactly, "
        "as port sets per protocol. Endpoints as in assertions: an instance, an IP or CIDR, 'internet', "
        "onprem:NAME, or subnet:NAME, sg:NAME, vpc:NAME, tag:KEY=VALUE. See docs/analyses.md.",
    )
    reach.add_argument("--design", "-d", default=DEFAULT_DESIGN, help="design file or AWS snapshot folder")
    reach.add_argument("--from", dest="src", default=None, metavar="X", help="sources (default: every interface)")
    reach.add_argument("--to", dest="dst", default=None, metavar="Y", help="destinations (default: every interface)")
    reach.add_argument(
        "--by",
        default="instance",
        help="group rows[,columns] by instance (default), interface, subnet, security_group or vpc; "
        "e.g. subnet,security_group",
    )
    reach.add_argument("--family", choices=("ipv4", "ipv6", "either"), default=None,
                       help="the address family of the matrix: ipv4 (default), ipv6 (between interfaces' IPv6 "
                       "addresses; implied by internet6) or either (what gets through over IPv4 or IPv6)")
    _analysis_options(reach)
    _tf_dir_option(reach)

    diff = sub.add_parser(
        "diff",
        help="what a Terraform change opens or closes: internet exposure and flows, over every port",
        description="Compare two designs (a Terraform state or plan, or any design) and list the internet "
        "exposure and the instance-to-instance flows that the change opens or closes, as Markdown for a pull "
        "request comment. See docs/terraform.md.",
    )
    diff.add_argument("--before", default=None, metavar="FILE",
                      help="the state before (default: the --after plan's own prior_state)")
    diff.add_argument("--after", required=True, metavar="FILE", help="`terraform show -json` of the plan")
    diff.add_argument("--json", action="store_true", help="print the result as JSON")
    diff.add_argument("--fail-on-open", action="store_true", help="exit 1 when the change opens anything")
    diff.add_argument("--ephemeral", type=_ephemeral, default=None,
                      help="the clients' ephemeral port range: lo-hi, linux (32768-60999, default), windows, nat")
    _tf_dir_option(diff)

    _diagram_parser(sub)

    importer = sub.add_parser("import", help="convert real infrastructure into a design")
    importer.add_argument("source", choices=["aws", "terraform"], help="the kind of input")
    importer.add_argument("snapshot", metavar="SNAPSHOT",
                          help="aws: folder of `aws ec2 describe-*` JSON files; terraform: `terraform show -json` output")
    importer.add_argument("-o", "--output", default="-", help="design file to write (default: stdout)")
    importer.add_argument("--tf-dir", default=None, metavar="DIR",
                          help="terraform: the .tf sources, for file.tf:line locations (default: beside the plan)")
    importer.add_argument("--before", action="store_true", help="terraform: import the plan's prior_state")
    return parser


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        "-f",
        action="append",
        default=None,
        metavar="FORMAT[:FILE]",
        help="output format: text (default; rich on a terminal), json, junit, sarif, github or gitlab; "
        "repeat it to write several from one run, each with its own file: -f github -f sarif:vpcsim.sarif",
    )
    parser.add_argument("--output", "-o", default=None, metavar="FILE",
                        help="write the report of the format given without a FILE to FILE")
    parser.add_argument("--sarif-root", default=None, metavar="DIR",
                        help="the repository root that SARIF, GitLab and GitHub paths are relative to "
                        "(default: the config's folder, else the working directory)")
    parser.add_argument("--baseline", default=None, metavar="FILE",
                        help="known findings / known-failing assertions: only new ones fail")
    parser.add_argument("--create-baseline", default=None, metavar="FILE",
                        help="write what fails now to FILE as the baseline (then the run passes)")
    parser.add_argument("--expires", type=_date, default=None, metavar="YYYY-MM-DD",
                        help="with --create-baseline: the entries stop hiding failures after this date")


def _date(text: str) -> object:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r} (expected YYYY-MM-DD)") from None


def _tf_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tf-dir", default=None, metavar="DIR",
                        help="a Terraform plan's .tf sources, for file.tf:line locations (default: beside the plan)")
    # Every command that loads a design takes both (they are asked for next to each other).
    parser.add_argument("--aws-ip-ranges", default=None, metavar="FILE",
                        help="AWS's ip-ranges.json (https://ip-ranges.amazonaws.com/ip-ranges.json) for service "
                             "and AWS address ranges (default: vpcsim's bundled excerpt of 2018-02-06)")


def _tf_dir(args: argparse.Namespace, design: str | None = None) -> str | None:
    """--tf-dir, or the config's `tf_dir` when the design is a Terraform file (a YAML design ignores it)."""
    tf_dir: str | None = getattr(args, "tf_dir", None)
    config = getattr(args, "config", None)
    if tf_dir is not None and tf_dir == getattr(config, "tf_dir", None):
        from vpcsim.importers.detect import is_terraform_json

        if not is_terraform_json(design or args.design):
            return None
    return tf_dir


def _config_options(parser: argparse.ArgumentParser) -> None:
    # Read before the command line is parsed (its values are the defaults), by _parse_with_config.
    parser.add_argument("--config", metavar="FILE", default=None,
                        help="config file (default: .vpcsim.yaml or pyproject.toml [tool.vpcsim], found upward)")
    parser.add_argument("--no-config", action="store_true", help="ignore any config file")


def _analysis_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ephemeral",
        type=_ephemeral,
        default=None,
        help="the clients' ephemeral port range: lo-hi, linux (32768-60999, default), windows, nat",
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument("--csv", action="store_true", help="print the result as CSV")
    out.add_argument("--text", action="store_true", help="plain text instead of the rich rendering")


DEFAULT_DESIGN = "vpcsim.yaml"


def _default_design_exists(args: argparse.Namespace) -> None:
    """A first run with no --design meets a missing ./vpcsim.yaml: say how to name one (exit 3, as
    for any design that cannot be read)."""
    import os

    from vpcsim.errors import DesignError, Diagnostic, Location, Severity

    if getattr(args, "design", None) == DEFAULT_DESIGN and not os.path.lexists(DEFAULT_DESIGN):
        raise DesignError([Diagnostic(
            Severity.ERROR, "io",
            f"no design given and there is no ./{DEFAULT_DESIGN} here: name one with --design FILE (or as DESIGN "
            "for check, lint and validate), e.g. --design scenarios/basic-vpc.yaml, or set `design:` in .vpcsim.yaml",
            Location(DEFAULT_DESIGN, 0, 0))])


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    _enable_completion(parser)
    args = _parse_with_config(parser, argv)
    if isinstance(args, int):
        return args
    import vpcsim.components  # noqa: F401  (their sections, rules and AWS mappings are part of every load)
    from vpcsim.errors import DesignError, EndpointError, UsageError

    try:
        _default_design_exists(args)
        import vpcsim.ip_ranges

        vpcsim.ip_ranges.use(getattr(args, "aws_ip_ranges", None))  # None: the bundled excerpt
        if args.command == "trace":
            return _trace(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "schema":
            return _schema(args)
        if args.command == "import":
            return _import(args)
        if args.command == "check":
            return _check(args)
        if args.command == "lint":
            return _lint(args)
        if args.command == "exposure":
            return _exposure(args)
        if args.command == "reach":
            return _reach(args)
        if args.command == "diff":
            return _diff(args)
        if args.command == "diagram":
            return _diagram(args)
    except DesignError as exc:
        from vpcsim.render import diagnostics_text

        errors = [d for d in exc.diagnostics if d.severity.value == "error"]
        print(diagnostics_text(exc.diagnostics), file=sys.stderr)
        print(f"vpcsim: invalid design: {len(errors)} error(s)", file=sys.stderr)
        return EXIT_INVALID
    except EndpointError as exc:
        _say(f"vpcsim: {exc}")
        return EXIT_INVALID
    except UsageError as exc:
        _say(f"vpcsim: {exc}")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    parser.error(f"unknown command {args.command!r}")
    return EXIT_USAGE


def _say(message: str) -> None:
    """A message to stderr, without terminal control characters (it may quote the design)."""
    from vpcsim.render import clean

    print(clean(message), file=sys.stderr)


def _trace(args: argparse.Namespace) -> int:
    import vpcsim
    from vpcsim.errors import UsageError

    port = args.port
    if args.icmp_type is not None:
        if port is not None and port != args.icmp_type:
            raise UsageError(f"PORT {port} and --icmp-type {args.icmp_type} disagree (give one)")
        port = args.icmp_type
    if port is None:
        raise UsageError("trace needs a PORT (for ICMP: the type, or --icmp-type)")
    network = vpcsim.load(args.design, tf_dir=_tf_dir(args))
    from vpcsim import render

    if args.via:
        path = network.trace(args.src, args.dst, port, args.protocol, src_port=args.src_port,
                             ephemeral=args.ephemeral, icmp_code=args.icmp_code, via=args.via)
        _show(args, lambda: render.legs_json(path), lambda: render.legs_text(path), lambda: render.legs_rich(path))
        return EXIT_OK
    from vpcsim.trace import names_load_balancer

    if names_load_balancer(network, args.dst):
        balanced = network.trace_balanced(args.src, args.dst, port, args.protocol, src_port=args.src_port,
                                          ephemeral=args.ephemeral)
        _show(args, lambda: render.balanced_json(balanced), lambda: render.balanced_text(balanced),
              lambda: render.balanced_rich(balanced))
        return EXIT_OK
    result = network.trace(
        args.src, args.dst, port, args.protocol, src_port=args.src_port, ephemeral=args.ephemeral,
        icmp_code=args.icmp_code,
    )
    _show(args, lambda: render.trace_json(result), lambda: render.trace_text(result),
          lambda: render.trace_rich(result))
    return EXIT_OK


def _show(args: argparse.Namespace, as_json: Callable[[], str], as_text: Callable[[], str],
          as_rich: Callable[[], None]) -> None:
    """--json, --text (or a pipe), else rich on a terminal."""
    if args.json:
        print(as_json())
    elif args.text or not sys.stdout.isatty():
        print(as_text())
    else:
        as_rich()


def _validate(args: argparse.Namespace) -> int:
    from vpcsim.loader.design import load_design
    from vpcsim.render import clean, diagnostics_text, to_json_text

    design, warnings = load_design(args.design, tf_dir=_tf_dir(args))
    if args.json:
        print(to_json_text({"valid": True, "diagnostics": [_diag_json(d) for d in warnings]}))
    else:
        if warnings:
            print(diagnostics_text(warnings), file=sys.stderr)
        print(
            f"{clean(args.design)}: valid ({len(design.vpcs)} VPCs, {len(design.subnets)} subnets, "
            f"{len(design.instances)} instances, {len(warnings)} warning(s))"
        )
    return EXIT_OK


def _diag_json(d: object) -> dict[str, object]:
    from vpcsim.errors import Diagnostic

    assert isinstance(d, Diagnostic)
    return {
        "severity": d.severity.value,
        "code": d.code,
        "message": d.message,
        "location": str(d.location) if d.location else None,
    }


def _schema(args: argparse.Namespace) -> int:
    from importlib import resources

    ref = resources.files("vpcsim").joinpath("schemas/design.schema.json")
    if args.path:
        print(str(ref))
    else:
        print(ref.read_text(encoding="utf-8"))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    import time

    import vpcsim
    from vpcsim.check import assertions_for, check
    from vpcsim.errors import DesignError, UsageError
    from vpcsim.loader.assertions import sibling_file
    from vpcsim.render import reports

    start = time.perf_counter()
    network = vpcsim.load(args.design, tf_dir=_tf_dir(args))
    try:
        files = assertions_for(args.design, args.assertions)
        if not any(f.assertions for f in files):
            raise UsageError(
                f"no assertions to check: {args.design} has no assertions: section and no ASSERTIONS file was "
                "given (nor a <design>.assertions.yaml beside it)"
            )
        report = check(network, files)
    except DesignError as exc:
        from vpcsim.render import diagnostics_text

        print(diagnostics_text(exc.diagnostics), file=sys.stderr)
        print(f"vpcsim: invalid assertions: {len(exc.diagnostics)} error(s)", file=sys.stderr)
        return EXIT_INVALID
    rendered = reports.check_report(report, time.perf_counter() - start)
    inputs = (args.design, *args.assertions, *filter(None, [sibling_file(args.design)]))
    return _finish(rendered, args, invalid=False, inputs=inputs)


def _lint(args: argparse.Namespace) -> int:
    import time

    from vpcsim.lint import lint_path
    from vpcsim.render import reports

    start = time.perf_counter()
    fail_on = None if args.fail_on == "never" else reports.Level(args.fail_on)
    select = [s.strip() for s in args.select.split(",") if s.strip()]
    ignore = [s.strip() for s in args.ignore.split(",") if s.strip()]
    _known_rules("--select", select)
    _known_rules("--ignore", ignore)
    _refuse_inside_snapshot(args.output, args.design)
    report = lint_path(args.design, select=select, ignore=ignore, fail_on=fail_on, tf_dir=_tf_dir(args))
    report = reports.relevel(report, args.config.lint.severity)
    rendered = reports.lint_report(report, time.perf_counter() - start)
    return _finish(rendered, args, invalid=report.invalid, inputs=(args.design,))


# -- config, baselines and outputs (issue 15) -------------------------------------------------------


def _parse_with_config(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace | int:
    """Find and read the config first: its values become the parser's defaults, so flags win."""
    from vpcsim.config import Config, ConfigError, find_config, load_config

    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    _config_options(pre)
    known, rest = pre.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    try:
        path = None if known.no_config else (known.config or find_config())
        config = load_config(path) if path else Config()
    except ConfigError as exc:
        return _config_failed(exc, "config")
    _apply_config(parser, config)
    args = parser.parse_args(rest)
    args.config = config
    return args


def _diagram_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diagram = sub.add_parser(
        "diagram",
        help="draw the network (Mermaid, DOT, SVG or PNG), with a traced flow if asked",
        description="Draw region > VPC > AZ > subnet with interfaces, gateways and peerings; route edges carry "
        "their prefixes. With --trace the flow's path is drawn and the hop where it dies is red. See docs/graph.md.",
    )
    diagram.add_argument("--design", "-d", default=DEFAULT_DESIGN, help="design file or AWS snapshot folder")
    diagram.add_argument("--format", "-f", default="mermaid", choices=["mermaid", "dot", "svg", "png"],
                         help="mermaid (default; renders on GitHub), dot, or svg/png through Graphviz")
    diagram.add_argument("--trace", nargs=3, metavar=("SRC", "DST", "PORT"), default=None,
                         help="mark a flow's forward and return path")
    diagram.add_argument("--protocol", "-p", default="tcp", help="the traced flow's protocol (default tcp)")
    diagram.add_argument("--vpc", default=None, metavar="NAME", help="draw only this VPC (and what it peers with)")
    diagram.add_argument("--output", "-o", default=None, metavar="FILE", help="write to FILE (default: stdout)")
    _tf_dir_option(diagram)


def _diagram(args: argparse.Namespace) -> int:
    import vpcsim
    from vpcsim.render import diagram

    network = vpcsim.load(args.design, tf_dir=_tf_dir(args))
    result = None
    if args.trace:
        src, dst, port = args.trace
        result = network.trace(src, dst, _port_arg(port), args.protocol)
    picture = diagram.build(network.graph, vpc=args.vpc, trace=result)
    text = diagram.to_mermaid(picture) if args.format == "mermaid" else diagram.to_dot(picture)
    data = text.encode() if args.format in ("mermaid", "dot") else diagram.render_image(text, args.format)
    if args.output and args.output != "-":
        with open(args.output, "wb") as handle:
            handle.write(data)
        print(f"vpcsim: wrote {args.format} to {args.output}", file=sys.stderr)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    return EXIT_OK


def _port_arg(text: str) -> int:
    from vpcsim.errors import UsageError

    try:
        return _port(text)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"--trace PORT: {exc}") from None


def _enable_completion(parser: argparse.ArgumentParser, **kwargs: object) -> None:
    """Shell completion through argcomplete (the optional `completion` extra); a no-op unless a shell asks."""
    import os

    if "_ARGCOMPLETE" not in os.environ:
        return
    try:
        import argcomplete
        from argcomplete.completers import FilesCompleter
    except ImportError:
        return
    designs = FilesCompleter(allowednames=("yaml", "yml", "json"), directories=True)
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for sub in action.choices.values():
            completers = {"design": designs, "assertions": designs, "src": _complete_endpoints,
                          "dst": _complete_endpoints, "select": _complete_rules, "ignore": _complete_rules}
            for a in sub._actions:
                if a.dest in completers:
                    vars(a)["completer"] = completers[a.dest]  # argcomplete reads Action.completer
    argcomplete.autocomplete(parser, **kwargs)  # type: ignore[arg-type]


def _complete_endpoints(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """Instance and interface names of the design (--design, the config's, or ./vpcsim.yaml), and 'internet'."""
    from vpcsim.config import find_config, load_config

    design = getattr(parsed_args, "design", None) or "vpcsim.yaml"
    try:
        if design == "vpcsim.yaml" and (path := find_config()):
            design = load_config(path).design or design
        import vpcsim.components  # noqa: F401  (their sections and rules are part of the format)
        from vpcsim.loader.design import load_design

        model, _warnings = load_design(design)
    except Exception:  # completion must never print a traceback into the shell
        return ["internet"]
    names = ["internet", *model.instances, *model.interfaces]
    return [n for n in names if n.startswith(prefix)]


def _complete_rules(prefix: str, **_: object) -> list[str]:
    from vpcsim.lint import RULES

    return [r.id for r in RULES if r.id.startswith(prefix)] + ["aws"]


def _config_failed(exc: Exception, what: str) -> int:
    from vpcsim.errors import DesignError
    from vpcsim.render import diagnostics_text

    assert isinstance(exc, DesignError)
    print(diagnostics_text(exc.diagnostics), file=sys.stderr)
    print(f"vpcsim: invalid {what}: {len(exc.diagnostics)} error(s)", file=sys.stderr)
    return EXIT_INVALID


def _apply_config(parser: argparse.ArgumentParser, config: object) -> None:
    from vpcsim import arguments
    from vpcsim.config import Config, parse_ephemeral

    assert isinstance(config, Config)
    presets = config.ephemeral_presets()

    def ephemeral(text: str) -> tuple[int, int]:
        got = parse_ephemeral(text, presets)
        if got is None:
            raise argparse.ArgumentTypeError(
                f"invalid ephemeral range {arguments.quote(text)} (expected lo-hi, or one of {', '.join(sorted(presets))})")
        return got

    values: dict[str, object] = {
        "design": config.design,
        "tf_dir": config.tf_dir,
        "ephemeral": config.ephemeral,
        "sarif_root": config.sarif_root,
    }
    per_command: dict[str, dict[str, object]] = {
        "check": {"assertions": list(config.assertions) or None, "baseline": config.check.baseline},
        "lint": {"select": ",".join(config.lint.select) or None, "ignore": ",".join(config.lint.ignore) or None,
                 "fail_on": config.lint.fail_on, "baseline": config.lint.baseline},
    }
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for name, sub in action.choices.items():
            dests = {a.dest for a in sub._actions}
            for a in sub._actions:
                if a.dest == "ephemeral":
                    a.type = ephemeral
            wanted = {**values, **per_command.get(name, {})}
            sub.set_defaults(**{k: v for k, v in wanted.items() if v is not None and k in dests})


def _outputs(args: argparse.Namespace, command: str) -> list[tuple[str, str | None]]:
    """The (format, file or None for stdout) pairs of `-f` (else the config's formats, else text)."""
    from vpcsim.config import parse_format
    from vpcsim.errors import UsageError

    specs = args.format or list(getattr(args.config, command).format) or ["text"]
    outputs = []
    for spec in specs:
        try:
            outputs.append(parse_format(spec))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    to_stdout = [n for n, (_, path) in enumerate(outputs) if path is None]
    if len(to_stdout) > 1:
        raise UsageError("only one format can go to standard output; give the others a file, as in "
                         "-f github -f sarif:vpcsim.sarif")
    if args.output:
        if not to_stdout:
            raise UsageError("--output FILE is for a format given without a file, and every -f here has one")
        fmt = outputs[to_stdout[0]][0]
        outputs[to_stdout[0]] = (fmt, args.output)
    return outputs


def _finish(rendered: object, args: argparse.Namespace, *, invalid: bool, inputs: tuple[str, ...] = ()) -> int:
    """Apply or create the baseline, write every requested output, and map the result to an exit code."""
    from vpcsim.config import ConfigError, load_baseline, write_baseline
    from vpcsim.render import reports

    assert isinstance(rendered, reports.Report)
    command = rendered.tool
    outputs = _outputs(args, command)
    if invalid and args.create_baseline:
        print(f"vpcsim: {args.create_baseline} not written: the design does not load", file=sys.stderr)
    if not invalid and (args.create_baseline or args.baseline):
        try:
            if args.create_baseline:
                entries = reports.baseline_entries(rendered)
                write_baseline(args.create_baseline, command, rendered.design, entries, args.expires)
                print(f"vpcsim: wrote {len(entries)} known {'finding' if command == 'lint' else 'failing assertion'}"
                      f"{'s' if len(entries) != 1 else ''} to {args.create_baseline}", file=sys.stderr)
            baseline = load_baseline(args.create_baseline or args.baseline, command)
        except ConfigError as exc:
            return _config_failed(exc, "baseline")
        rendered = reports.apply_baseline(rendered, baseline)
    base = args.sarif_root or args.config.root
    for fmt, path in outputs:
        reports.write_output(rendered, fmt, path, tty=sys.stdout.isatty(), base=base, inputs=inputs)
        if path and path != "-":
            print(f"vpcsim: wrote {fmt} to {path}", file=sys.stderr)
    if not any(fmt == "text" and path is None for fmt, path in outputs):
        for note in rendered.notes:  # text output says these itself; other formats would lose them
            print(f"vpcsim {command}: {note}", file=sys.stderr)
    if invalid:
        return EXIT_INVALID
    return EXIT_FAILED if rendered.failed else EXIT_OK


def _known_rules(option: str, patterns: list[str]) -> None:
    """`--select NOPE999` would run no rule and pass: every pattern must name a rule (issue 14)."""
    from vpcsim.lint import known_rules

    known_rules(option, patterns)


def _with_progress(label: str, run: Callable[[Callable[[int, int], None] | None], _T]) -> _T:
    """Run an analysis, with a rich progress bar when stdout is a terminal."""
    if not sys.stdout.isatty():
        return run(None)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return run(update)


def _exposure(args: argparse.Namespace) -> int:
    import vpcsim
    from vpcsim import analyse, render
    from vpcsim.errors import UsageError

    if args.transitive and args.csv:
        raise UsageError("exposure --transitive has no CSV form (use --json, or --csv without --transitive)")
    network = vpcsim.load(args.design, tf_dir=_tf_dir(args))
    level = analyse.Severity.parse(args.min_severity) if args.min_severity else None
    report = _with_progress(
        "exposure", lambda progress: analyse.exposure(network, ephemeral=args.ephemeral, progress=progress)
    )
    pivoted = None if not args.transitive else _with_progress(
        "one pivot", lambda progress: analyse.transitive_exposure(network, ephemeral=args.ephemeral, report=report,
                                                                  progress=progress))
    if args.json:
        doc = report.to_json(level)
        if level is not None:  # say what the filter hid, as the text summary does
            doc.update(min_severity=level.value, listed=len(doc["results"]), hidden=doc["exposed"] - len(doc["results"]))
        if pivoted is not None:
            doc["transitive"] = pivoted.to_json()
        print(render.to_json_text(doc))
    elif args.csv:
        sys.stdout.write(render.clean(report.to_csv(level)))
    elif args.text or not sys.stdout.isatty():
        print(render.clean(analyse.exposure_text(report, level)))
        if pivoted is not None:
            print(render.clean(analyse.transitive_text(pivoted)))
    else:
        from vpcsim.render.analyses import exposure_rich, transitive_rich

        exposure_rich(report, level)
        if pivoted is not None:
            transitive_rich(pivoted)
    return EXIT_OK


def _reach(args: argparse.Namespace) -> int:
    import vpcsim
    from vpcsim import analyse, render

    network = vpcsim.load(args.design, tf_dir=_tf_dir(args))
    matrix = _with_progress(
        "reach",
        lambda progress: analyse.reach(
            network, args.src, args.dst, by=args.by, ephemeral=args.ephemeral, progress=progress,
            family=args.family,
        ),
    )
    if args.json:
        for piece in matrix.iter_json():  # streamed: a large matrix is never one string
            sys.stdout.write(piece)
        sys.stdout.write("\n")
    elif args.csv:
        sys.stdout.write(render.clean(matrix.to_csv()))
    elif args.text or not sys.stdout.isatty():
        print(render.clean(analyse.reach_text(matrix)))
    else:
        from vpcsim.render.analyses import reach_rich

        reach_rich(matrix)
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from vpcsim import render
    from vpcsim.diff import load_network, plan_diff
    from vpcsim.importers.terraform import is_terraform_json

    tf_dir = _tf_dir(args, args.after)
    if args.before is not None:
        # The sources locate a Terraform before side too; a YAML or snapshot before side has its own.
        before = load_network(args.before, tf_dir=tf_dir if is_terraform_json(args.before) else None)
    else:
        before = load_network(args.after, side="before", tf_dir=tf_dir)
    result = plan_diff(before, load_network(args.after, tf_dir=tf_dir), ephemeral=args.ephemeral)
    if args.json:
        print(render.to_json_text(result.to_json()))
    else:
        sys.stdout.write(result.markdown())
    return EXIT_FAILED if args.fail_on_open and result.opens else EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from vpcsim.errors import UsageError
    from vpcsim.importers.aws import snapshot_to_design
    from vpcsim.importers.design_yaml import design_to_yaml
    from vpcsim.render import diagnostics_text, open_output

    if args.source == "terraform":
        from vpcsim.importers.terraform import sibling_tf_dir, terraform_to_design

        tf_dir = _tf_dir(args, args.snapshot)
        tf_dir = tf_dir if tf_dir is not None else sibling_tf_dir(args.snapshot)
        design, warnings = terraform_to_design(
            args.snapshot, side="before" if args.before else "after", tf_dir=tf_dir, validate=True
        )
    else:
        if args.output != "-":
            _refuse_inside_snapshot(args.output, args.snapshot)
        # validate=True: a snapshot that imports into an invalid design is exit 3, like every command.
        design, warnings = snapshot_to_design(args.snapshot, validate=True)
    if warnings:
        print(diagnostics_text(warnings), file=sys.stderr)
    text = design_to_yaml(design)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open_output(args.output, inputs=(args.snapshot,)) as handle:
            try:
                handle.write(text)
            except OSError as exc:
                raise UsageError(f"cannot write --output {args.output!r}: {exc.strerror or exc}") from None
        _say(f"wrote {args.output}")
    return EXIT_OK


def _refuse_inside_snapshot(output: str | None, source: str) -> None:
    """A .json report inside a snapshot folder would be read as part of it next time (or replace a file)."""
    import os

    from vpcsim.errors import UsageError

    if not output or output == "-" or not os.path.isdir(source) or not output.lower().endswith(".json"):
        return
    folder, target = os.path.realpath(source), os.path.realpath(output)
    if os.path.commonpath([folder, target]) == folder:
        raise UsageError(f"cannot write --output {output!r}: it is inside the snapshot folder {source!r}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
