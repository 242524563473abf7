"""Conformance with Batfish: replay the flow expectations transcribed from Batfish's AWS tests.

The data (19 real AWS snapshots, 68 expected flow outcomes) lives outside the repository, in
`shared/conformance/batfish-aws/` beside the checkout (see its README.md). Every expectation
is one parametrized case: vpcsim must give Batfish's verdict and visit the same AWS resources
in the same order. Cases that need a component vpcsim does not simulate (VPN, Direct Connect)
are skipped, with the reason shown: they
are the to-do list. How the two vocabularies map is in docs/conformance.md and
vpcsim/conformance.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

import vpcsim
from vpcsim import conformance
from vpcsim.model import int_to_ip
from vpcsim.network import Network
from vpcsim.results import Blocker, Code, Disposition, Flow, Hop, Packet, StepKind, TraceResult
from vpcsim.trace import trace_packet

CONFORMANCE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "batfish-aws"
EXPECTATIONS_FILE = CONFORMANCE / "expectations.yaml"

if not EXPECTATIONS_FILE.is_file():
    pytest.skip(
        f"Batfish conformance data not found at {CONFORMANCE} (expected shared/conformance/batfish-aws/ "
        "beside the repository checkout)",
        allow_module_level=True,
    )

DATA: dict[str, Any] = yaml.safe_load(EXPECTATIONS_FILE.read_text(encoding="utf-8"))
SNAPSHOTS: dict[str, Any] = DATA["snapshots"]
EXPECTATIONS: list[dict[str, Any]] = DATA["expectations"]

# The counts stated in docs/conformance.md (and the README): keep them in step.
EXPECTED_TOTAL = 68
EXPECTED_SUPPORTED = 62
EXPECTED_UNSUPPORTED = 6

# Expectations where AWS's documentation contradicts Batfish: id -> reason with the AWS doc.
# A case goes here (as a strict xfail), never into an edited expectation.
AWS_DISAGREES: dict[str, str] = {
    "vpn-gateway/testInternetToUnderlayInterfaceIp": (
        "Batfish delivers TCP 80 from the internet to the VGW's tunnel outside IP (ACCEPTED); an AWS "
        "Site-to-Site VPN endpoint carries IKE (UDP 500, NAT-T UDP 4500) and ESP (IP 50) only "
        "(https://docs.aws.amazon.com/vpn/latest/s2svpn/FirewallRules.html), and vpcsim delivers nothing "
        "else to it: the address is one no resource of the design holds"),
}

BATFISH_TCP_SOURCE_PORT = 49152  # getTcpFlow: NamedPort.EPHEMERAL_LOWEST

Loader = Callable[[str], Network]


@pytest.fixture(scope="module")
def load() -> Loader:
    """load(snapshot) -> the snapshot's Network, read from exactly its `files_loaded` (cached)."""
    cache: dict[str, Network] = {}

    def _load(snapshot: str) -> Network:
        if snapshot not in cache:
            cache[snapshot] = vpcsim.load(CONFORMANCE / snapshot, files=SNAPSHOTS[snapshot]["files_loaded"])
        return cache[snapshot]

    return _load


def _param(expectation: dict[str, Any]) -> Any:
    marks: list[pytest.MarkDecorator] = []
    reason = conformance.unsupported_reason(expectation)
    if expectation["id"] in conformance.ONPREM_CONFIG_CASES:
        marks.append(pytest.mark.skip(reason=conformance.ONPREM_CONFIG_CASES[expectation["id"]]))
    elif reason is not None:
        marks.append(pytest.mark.skip(reason=f"unsupported component: {reason}"))
    elif expectation["id"] in AWS_DISAGREES:
        marks.append(pytest.mark.xfail(reason=AWS_DISAGREES[expectation["id"]], strict=True))
    return pytest.param(expectation, id=expectation["id"], marks=marks)


def _trace(net: Network, flow: Mapping[str, Any], *, reply: bool, dst_ip: str | None = None,
           protocol: int | None = None, port: int | None = None) -> TraceResult:
    start = conformance.start_of(str(flow["ingress"]))
    assert start is not None
    kind, name = start
    proto = int(flow["protocol_number"]) if protocol is None else protocol
    dst_port = int(flow.get("dst_port") or 0) if port is None else port
    src_port = flow.get("src_port")
    if src_port is None and proto == 6:
        src_port = BATFISH_TCP_SOURCE_PORT
    src_ip = flow.get("src_ip")
    if src_ip is None:
        assert kind == "instance" and name is not None
        instance = next(i for i in net.design.instances.values() if i.aws_id == name)
        src_ip = int_to_ip(net.design.interfaces[instance.interfaces[0]].primary_ip)
    return trace_packet(
        net, kind, name, str(src_ip), dst_ip or str(flow["dst_ip"]), proto, dst_port,
        src_port if proto in (6, 17) else None, reply=reply,
    )


def _explain(result: TraceResult) -> str:
    lines = [f"vpcsim: {result.disposition.value}"]
    for leg, hops in (("forward", result.forward), ("return", result.return_path)):
        for hop in hops:
            steps = "; ".join(f"{s.kind.value} {s.action.value}" for s in hop.steps)
            lines.append(f"  {leg}: {hop.kind} {hop.aws_id or hop.name} [{steps}]")
    lines += [f"  blocked: {b.code.value} ({b.direction}) {b.detail}" for b in result.blocked_by]
    return "\n".join(lines)


@pytest.mark.parametrize("case", [_param(e) for e in EXPECTATIONS])
def test_batfish_expectation(case: dict[str, Any], load: Loader) -> None:
    net = load(case["snapshot"])
    flow, expect = case["flow"], case["expect"]
    if expect.get("kind") == "exists_flow":
        _check_exists_flow(net, flow, expect)
        return
    bidirectional = bool(case["bidirectional"])
    # To a load balancer node's address: the client's leg, then the node's to the target Batfish picked.
    result = conformance.load_balanced(net, _trace(net, flow, reply=bidirectional), prefer=expect["path"][-1])
    wanted = expect["disposition"]
    allowed = set(wanted) if isinstance(wanted, list) else {wanted}
    got = conformance.batfish_disposition(result)
    assert got in allowed, f"{case['id']}: Batfish says {wanted}, vpcsim maps to {got}\n{_explain(result)}"
    names = conformance.batfish_names(net)
    assert conformance.vpcsim_path(result.forward, names=names) == conformance.batfish_path(expect["path"]), \
        _explain(result)
    if bidirectional:
        # The reply must come back: vpcsim's combined verdict is then the forward one, not
        # RETURN_BLOCKED, and nothing blocks either leg.
        assert expect["reverse_disposition"] == "ACCEPTED"
        assert result.disposition.success and not result.blocked_by, _explain(result)
        assert conformance.vpcsim_path(result.return_path, names=names) == conformance.batfish_path(
            expect["reverse_path"]
        ), _explain(result)
    for claim in case.get("also_asserts") or []:
        _check_claim(net, result.forward, claim)


def _check_exists_flow(net: Network, flow: Mapping[str, Any], expect: Mapping[str, Any]) -> None:
    """Some flow from the ingress is ACCEPTED at final_node: try the representative flows."""
    final = str(expect["final_node"])
    tried = conformance.representative_flows(net, final)
    assert tried, f"{final} is not an instance of the design"
    for dst_ip, proto, port in tried:
        result = _trace(net, flow, reply=False, dst_ip=dst_ip, protocol=proto, port=port)
        path = conformance.vpcsim_path(result.forward)
        if conformance.batfish_disposition(result) == "ACCEPTED" and path and path[-1] == final:
            return
    pytest.fail(f"no representative flow from {flow['ingress']} is ACCEPTED at {final} (tried {tried})")


_FILTER_STEPS = {
    StepKind.SG_EGRESS: "security-group egress",
    StepKind.SG_INGRESS: "security-group ingress",
    StepKind.NACL_OUT: "network ACL, outbound",
    StepKind.NACL_IN: "network ACL, inbound",
}
_FILTER_CLAIM = re.compile(r"^hop \d+ \((?P<node>[^)]+)\) applies exactly one filter: (?P<filter>\S+) \((?P<what>[^)]*)\)")
_NAT_CLAIM = re.compile(
    r"^hop \d+ \((?P<node>[^)]+)\) .*(?P<kind>DEST_NAT|SOURCE_NAT) transformation (?P<before>\S+) -> (?P<after>\S+)"
)


def _check_claim(net: Network, hops: tuple[Hop, ...], claim: str) -> None:
    """The expectation's other checks on the same trace (filters applied at a hop, NAT steps).

    Hops are found by AWS id, not position: Batfish counts its synthetic nodes.
    """
    filter_claim = _FILTER_CLAIM.match(claim)
    nat_claim = _NAT_CLAIM.match(claim)
    assert filter_claim or nat_claim, f"unrecognised also_asserts claim: {claim}"
    match = filter_claim or nat_claim
    assert match is not None
    hop = next((h for h in hops if h.aws_id == match["node"]), None)
    assert hop is not None, f"{claim}: vpcsim has no hop {match['node']}"
    if filter_claim:
        filters = [s for s in hop.steps if s.kind in _FILTER_STEPS]
        kinds = [_FILTER_STEPS[s.kind] for s in filters]
        assert len(filters) == 1 and kinds[0] in filter_claim["what"], f"{claim}: vpcsim applies {kinds}"
        name = filter_claim["filter"]
        if name.startswith("acl-"):  # acl-<id>_ingress / _egress
            acl = net.design.network_acls[str(filters[0].component)]
            assert acl.aws_id == name.rsplit("_", 1)[0], f"{claim}: vpcsim applies network ACL {acl.aws_id}"
        else:  # ~EGRESS_ACL~eni-<id>: the security groups of that ENI
            instance = next(i for i in net.design.instances.values() if i.aws_id == hop.aws_id)
            enis = [net.design.interfaces[n].aws_id for n in instance.interfaces]
            assert name.rsplit("~", 1)[1] in enis, f"{claim}: the instance's ENIs are {enis}"
        return
    assert nat_claim is not None
    field = "dst" if nat_claim["kind"] == "DEST_NAT" else "src"
    translations = [
        (getattr(s.before, field), getattr(s.after, field))
        for s in hop.steps
        if s.kind is StepKind.TRANSLATE and s.before is not None and s.after is not None
    ]
    assert (nat_claim["before"], nat_claim["after"]) in translations, f"{claim}: vpcsim translates {translations}"


# -- the data set as a whole ---------------------------------------------------------------------


def test_counts_match_docs() -> None:
    """docs/conformance.md states these numbers; a change in the data or in support shows here."""
    unsupported = [e["id"] for e in EXPECTATIONS if conformance.unsupported_reason(e) is not None]
    assert len(EXPECTATIONS) == EXPECTED_TOTAL
    assert len(unsupported) == EXPECTED_UNSUPPORTED
    assert len(EXPECTATIONS) - len(unsupported) == EXPECTED_SUPPORTED
    assert set(AWS_DISAGREES) <= {e["id"] for e in EXPECTATIONS}
    assert set(conformance.UNSUPPORTED_CASES) <= {e["id"] for e in EXPECTATIONS}


@pytest.mark.parametrize("snapshot", sorted(SNAPSHOTS))
def test_snapshot_loads(snapshot: str, load: Loader) -> None:
    """Every snapshot imports and validates from exactly the files Batfish's test loads."""
    net = load(snapshot)
    ids = {v.aws_id for v in net.design.vpcs.values()}
    if snapshot == "test-multi-account":
        # AwcConfigurationMultiAccountTest#testBothVpcsExist: both accounts' VPCs are there.
        assert ids == {"vpc-015b20578b48c1349", "vpc-0008a7b45e3ddf1dd"}
    for expectation in EXPECTATIONS:
        if expectation["snapshot"] == snapshot and expectation["flow"]["ingress"].startswith("i-"):
            assert any(i.aws_id == expectation["flow"]["ingress"] for i in net.design.instances.values())


def test_unsupported_component_is_not_guessed() -> None:
    """Without its attachments a transit gateway is not simulated: the trace stops there, with no verdict."""
    case = next(e for e in EXPECTATIONS if e["id"] == "transit-gateway/testFromAtoB")
    files = [f for f in SNAPSHOTS[case["snapshot"]]["files_loaded"] if "Attachments" not in f]
    result = _trace(vpcsim.load(CONFORMANCE / case["snapshot"], files=files), case["flow"], reply=False)
    assert conformance.batfish_disposition(result) is None
    assert result.forward[-1].kind == "unsupported" and result.forward[-1].aws_id == "tgw-044be4464fcc69aff"


# The mapping table of docs/conformance.md, row by row: (vpcsim disposition, hop kinds of the
# forward leg, blocker code or None) -> Batfish disposition (None: no verdict, the case is skipped).
MAPPING_ROWS = [
    ("ACCEPTED", ["eni", "eni"], None, "ACCEPTED"),
    ("EXITS_NETWORK", ["eni", "subnet", "vpc_router", "internet_gateway", "internet"], None, "EXITS_NETWORK"),
    ("DENIED_IN", ["eni", "subnet", "vpc_router", "subnet", "eni"], Code.ENI_SG_RULES_MISMATCH, "DENIED_IN"),
    ("DENIED_OUT", ["eni", "subnet"], Code.SUBNET_ACL_RESTRICTION, "DENIED_OUT"),
    ("DENIED_OUT", ["subnet", "vpc_router", "internet_gateway"], Code.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS,
     "DENIED_IN"),
    ("NO_ROUTE", ["eni", "subnet"], Code.NO_ROUTE_TO_DESTINATION, "NO_ROUTE"),
    ("NO_ROUTE", ["internet"], Code.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS, "EXITS_NETWORK"),
    ("NO_ROUTE", ["internet"], Code.NO_PATH, "NO_ROUTE"),
    ("NULL_ROUTED", ["eni", "subnet", "vpc_router"], Code.NO_ROUTE_TO_DESTINATION, "NULL_ROUTED"),
    ("NEIGHBOR_UNREACHABLE", ["vpc_router", "subnet"], Code.DESTINATION_ADDRESS_UNASSIGNED, "NEIGHBOR_UNREACHABLE"),
    ("RETURN_BLOCKED", ["eni", "subnet", "vpc_router", "subnet", "eni"], Code.SUBNET_ACL_RESTRICTION, "ACCEPTED"),
    ("RETURN_BLOCKED", ["eni", "subnet", "vpc_router", "internet_gateway", "internet"], Code.SUBNET_ACL_RESTRICTION,
     "EXITS_NETWORK"),
    ("UNSUPPORTED", ["eni", "subnet", "unsupported"], Code.UNSUPPORTED_COMPONENT, None),
    ("LOOP", ["eni", "subnet", "nat_gateway", "subnet"], Code.FORWARDING_LOOP, "LOOP"),
]


@pytest.mark.parametrize(("disposition", "kinds", "code", "batfish"), MAPPING_ROWS)
def test_disposition_mapping(disposition: str, kinds: list[str], code: Code | None, batfish: str | None) -> None:
    packet = Packet("10.0.0.1", "10.0.1.1", "tcp", ((49152, 49152),), ((80, 80),))
    hops = tuple(Hop(kind, kind, None, packet) for kind in kinds)
    blocked = (Blocker(code, "forward", "x", "detail"),) if code is not None else ()
    flow = Flow("a", "b", packet.src, packet.dst, "tcp", 80, packet.src_ports)
    result = TraceResult(flow, Disposition(disposition), hops, (), blocked)
    assert conformance.batfish_disposition(result) == batfish
    assert batfish is None or batfish in conformance.BATFISH_DISPOSITIONS


def test_every_vpcsim_disposition_is_mapped() -> None:
    assert {row[0] for row in MAPPING_ROWS} == {d.value for d in Disposition}


# -- the CLI on a real snapshot ------------------------------------------------------------------

PUBLIC_SUBNET = CONFORMANCE / "test-public-subnet"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vpcsim.cli", *args], capture_output=True, text=True, timeout=60)


def _verdict(doc: dict[str, Any]) -> tuple[Any, ...]:
    return (
        doc["disposition"],
        doc["reachable"],
        [(h["kind"], h["aws_id"]) for h in doc["forward"]],
        [(h["kind"], h["aws_id"]) for h in doc["return"]],
        sorted(b["code"] for b in doc["blocked_by"]),
    )


def test_cli_trace_on_snapshot_folder_and_imported_design(tmp_path: Path) -> None:
    flows = [("10.0.0.91", "8.8.8.8"), ("8.8.8.8", "18.216.80.133")]
    direct = []
    for src, dst in flows:
        run = _cli("trace", "--design", str(PUBLIC_SUBNET), src, dst, "443", "--json")
        assert run.returncode == 0, run.stderr
        direct.append(json.loads(run.stdout))
    # Out through the IGW with the instance's public IP; in, the default security group drops it.
    assert direct[0]["disposition"] == "EXITS_NETWORK"
    assert [h["aws_id"] for h in direct[0]["forward"]][:4] == [
        "i-06669a407b2ef3ae5", "subnet-0bb82ae8b3ea5dc78", "vpc-0672bce73895d7252", "igw-0a409e562d251f766",
    ]
    assert direct[1]["disposition"] == "DENIED_IN"

    design = tmp_path / "design.yaml"
    run = _cli("import", "aws", str(PUBLIC_SUBNET), "-o", str(design))
    assert run.returncode == 0, run.stderr
    assert design.is_file()
    for (src, dst), before in zip(flows, direct, strict=True):
        run = _cli("trace", "--design", str(design), src, dst, "443", "--json")
        assert run.returncode == 0, run.stderr
        assert _verdict(json.loads(run.stdout)) == _verdict(before)


# -- trace_packet, the entry point these cases use -----------------------------------------------

OVERLAPPING_VPCS = """\
version: 1
region: eu-west-1
vpcs:
  a: {cidrs: [10.0.0.0/16]}
  b: {cidrs: [10.0.0.0/16]}
subnets:
  a1: {vpc: a, cidr: 10.0.1.0/24, az: eu-west-1a}
  a2: {vpc: a, cidr: 10.0.2.0/24, az: eu-west-1a}
  b1: {vpc: b, cidr: 10.0.1.0/24, az: eu-west-1a}
  b2: {vpc: b, cidr: 10.0.2.0/24, az: eu-west-1a}
security_groups:
  ga: {vpc: a, ingress: [{protocol: all, cidr: 0.0.0.0/0}], egress: [{protocol: all, cidr: 0.0.0.0/0}]}
  gb: {vpc: b, ingress: [{protocol: all, cidr: 0.0.0.0/0}], egress: [{protocol: all, cidr: 0.0.0.0/0}]}
instances:
  ia1: {interfaces: [{subnet: a1, private_ip: 10.0.1.10, security_groups: [ga]}]}
  ia2: {interfaces: [{subnet: a2, private_ip: 10.0.2.10, security_groups: [ga]}]}
  ib1: {interfaces: [{subnet: b1, private_ip: 10.0.1.10, security_groups: [gb]}]}
  ib2: {interfaces: [{subnet: b2, private_ip: 10.0.2.10, security_groups: [gb]}]}
"""


def test_unpeered_vpcs_may_share_a_cidr(tmp_path: Path) -> None:
    """AWS forbids overlapping CIDRs only between peered VPCs: each VPC delivers to its own subnets.

    (Was NULL_ROUTED / NEIGHBOR_UNREACHABLE in one VPC: the network-wide address index named the
    other VPC's subnet or interface.)
    """
    path = tmp_path / "overlap.yaml"
    path.write_text(OVERLAPPING_VPCS)
    net = vpcsim.load(path)
    for src, dst, subnet in (("ia2", "ia1", "a1"), ("ib2", "ib1", "b1"), ("ia1", "ia2", "a2"), ("ib1", "ib2", "b2")):
        result = net.trace(src, dst, 22)
        assert result.disposition is Disposition.ACCEPTED, _explain(result)
        assert [h.name for h in result.forward][-2:] == [subnet, dst]
        assert [h.name for h in result.return_path][-1] == src
    at_router = trace_packet(net, "vpc_router", "b", "10.0.2.10", "10.0.1.10", "tcp", 22, 40000, reply=False)
    assert at_router.disposition is Disposition.ACCEPTED and at_router.forward[-1].name == "ib1"
    from_subnet = trace_packet(net, "subnet", "a2", "10.0.2.10", "10.0.1.10", 6, 22, 40000)
    assert from_subnet.disposition is Disposition.ACCEPTED, _explain(from_subnet)
    assert [h.name for h in from_subnet.forward] == ["a2", "a", "a1", "ia1"]
    assert [h.name for h in from_subnet.return_path] == ["ia1", "a1", "a", "a2", "ia2"]


def test_trace_packet_rejects_what_it_cannot_start_from(tmp_path: Path) -> None:
    path = tmp_path / "overlap.yaml"
    path.write_text(OVERLAPPING_VPCS)
    net = vpcsim.load(path)
    with pytest.raises(vpcsim.UsageError, match="start kind"):
        trace_packet(net, "vgw", "x", "10.0.1.10", "10.0.2.10", 6, 22)
    with pytest.raises(vpcsim.EndpointError, match="subnet 'nope'"):
        trace_packet(net, "subnet", "nope", "10.0.1.10", "10.0.2.10", 6, 22)
    with pytest.raises(vpcsim.UsageError, match="IPv4"):
        trace_packet(net, "instance", "ia1", "10.0.1.10", "ia2", 6, 22)
