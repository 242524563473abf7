"""CLI: parse arguments, call the library, render, map outcomes to exit codes.

Exit codes: 0 the command ran (a trace ran, whatever its verdict; a design is valid);
1 a check failed (`vpcsim check`); 2 usage error; 3 invalid design or unknown endpoint.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INVALID = 3

EPHEMERAL_PRESETS = {"linux": (32768, 60999), "windows": (49152, 65535), "nat": (1024, 65535)}


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"invalid port {text!r} (expected 0-65535)")
    return int(text)


def _ephemeral(text: str) -> tuple[int, int]:
    if text.lower() in EPHEMERAL_PRESETS:
        return EPHEMERAL_PRESETS[text.lower()]
    lo, sep, hi = text.partition("-")
    if sep and lo.isdigit() and hi.isdigit() and int(lo) <= int(hi) <= 65535:
        return int(lo), int(hi)
    raise argparse.ArgumentTypeError(f"invalid ephemeral range {text!r} (expected lo-hi, linux, windows or nat)")


def build_parser() -> argparse.ArgumentParser:
    from vpcsim import __version__

    parser = argparse.ArgumentParser(
        prog="vpcsim",
        description="Simulate AWS-style VPC designs: can X talk to Y on port Z, and if not, what blocks it?",
    )
    parser.add_argument("--version", action="version", version=f"vpcsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    trace = sub.add_parser("trace", help="trace a flow hop by hop, forward and back")
    trace.add_argument("src", metavar="SRC", help="instance, ENI, IP address, or 'internet'")
    trace.add_argument("dst", metavar="DST", help="instance, ENI, IP address, or 'internet'")
    trace.add_argument("port", metavar="PORT", type=_port, help="destination port (ICMP: the type, 8 = echo)")
    trace.add_argument("--protocol", "-p", default="tcp", help="tcp (default), udp, icmp, or a protocol number")
    trace.add_argument("--src-port", type=_port, default=None, help="a concrete client source port")
    trace.add_argument(
        "--ephemeral",
        type=_ephemeral,
        default=None,
        help="the client's ephemeral port range: lo-hi, linux (32768-60999, default), windows, nat",
    )
    trace.add_argument("--design", "-d", default="vpcsim.yaml", help="design file or AWS snapshot folder")
    out = trace.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument("--text", action="store_true", help="plain text instead of the rich rendering")

    validate = sub.add_parser("validate", help="load and validate a design; print every problem")
    validate.add_argument("design", metavar="DESIGN", nargs="?", default="vpcsim.yaml")
    validate.add_argument("--json", action="store_true", help="print diagnostics as JSON")

    schema = sub.add_parser("schema", help="print the JSON Schema of the design format")
    schema.add_argument("--path", action="store_true", help="print the schema's file path instead")

    importer = sub.add_parser("import", help="convert real infrastructure into a design")
    importer.add_argument("source", choices=["aws"], help="the kind of input")
    importer.add_argument("snapshot", metavar="SNAPSHOT", help="folder of `aws ec2 describe-*` JSON files")
    importer.add_argument("-o", "--output", default="-", help="design file to write (default: stdout)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from vpcsim.errors import DesignError, EndpointError, UsageError

    try:
        if args.command == "trace":
            return _trace(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "schema":
            return _schema(args)
        if args.command == "import":
            return _import(args)
    except DesignError as exc:
        from vpcsim.render import diagnostics_text

        errors = [d for d in exc.diagnostics if d.severity.value == "error"]
        print(diagnostics_text(exc.diagnostics), file=sys.stderr)
        print(f"vpcsim: invalid design: {len(errors)} error(s)", file=sys.stderr)
        return EXIT_INVALID
    except EndpointError as exc:
        print(f"vpcsim: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except UsageError as exc:
        print(f"vpcsim: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    parser.error(f"unknown command {args.command!r}")
    return EXIT_USAGE


def _trace(args: argparse.Namespace) -> int:
    import vpcsim

    network = vpcsim.load(args.design)
    result = network.trace(
        args.src, args.dst, args.port, args.protocol, src_port=args.src_port, ephemeral=args.ephemeral
    )
    from vpcsim import render

    if args.json:
        print(render.trace_json(result))
    elif args.text or not sys.stdout.isatty():
        print(render.trace_text(result))
    else:
        render.trace_rich(result)
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from vpcsim.api import load_design
    from vpcsim.render import diagnostics_text, to_json_text

    design, warnings = load_design(args.design)
    if args.json:
        print(to_json_text({"valid": True, "diagnostics": [_diag_json(d) for d in warnings]}))
    else:
        if warnings:
            print(diagnostics_text(warnings), file=sys.stderr)
        print(
            f"{args.design}: valid ({len(design.vpcs)} VPCs, {len(design.subnets)} subnets, "
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


def _import(args: argparse.Namespace) -> int:
    from vpcsim.aws_import import design_to_yaml, snapshot_to_design
    from vpcsim.render import diagnostics_text

    design, warnings = snapshot_to_design(args.snapshot)
    if warnings:
        print(diagnostics_text(warnings), file=sys.stderr)
    text = design_to_yaml(design)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
