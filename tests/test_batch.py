"""Batch verdicts: exactly `network.trace(...).reachable` for every flow, in every input form."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vpcsim
from vpcsim import batch, core
from vpcsim.batch import verdicts, verdicts_array
from vpcsim.errors import EndpointError, UsageError, VpcsimError
from vpcsim.model import int_to_ip, parse_ip
from vpcsim.network import Network

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if not p.name.endswith(".assertions.yaml"))
BASIC = ROOT / "scenarios" / "basic-vpc.yaml"
IPV6_MIX = ROOT / "tests" / "data" / "ipv6-mix.yaml"

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate, to_yaml  # noqa: E402

PROPS = settings(derandomize=True, max_examples=40, deadline=None)


NETWORKS: dict[str, Network] = {}


def network(name: str) -> Network:
    """A scenario, or a small synthetic design (2 VPCs x 4 subnets x 2 instances), loaded once."""
    if name not in NETWORKS:
        if name == "generated":
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "small.yaml"
                path.write_text(to_yaml(generate(2, 4, 2)))
                NETWORKS[name] = vpcsim.load(path)
        elif name == "ipv6-mix":
            NETWORKS[name] = vpcsim.load(IPV6_MIX)
        else:
            NETWORKS[name] = vpcsim.load(ROOT / "scenarios" / f"{name}.yaml")
    return NETWORKS[name]


DESIGNS = [p.stem for p in SCENARIOS] + ["generated", "ipv6-mix"]


# IPv6 addresses worth trying in any design: the IPv6 internet (Google DNS, documentation), the
# Resolver, NAT64 addresses of an internet host and of one nobody has, a unique-local one.
_SIX = ("2001:4860:4860::8888", "2001:db8::1", "2001:db8:ad::10", "fd00:ec2::253", "64:ff9b::c633:640a",
        "64:ff9b::808:808", "64:ff9b::a14:a0a", "fd12:3456::1")


def addresses(net: Network, *, ipv6: bool = True) -> list[int]:
    """Addresses worth trying: every owned one, subnet bounds, nothing-owned ones, a few internet
    ones, of both families (IPv6 ones only where the design has IPv6)."""
    d = net.design
    out = set(net.eni_by_ip) | set(net.eni_by_public) | set(net.nat_by_ip) | set(net.nat_by_public)
    for s in d.subnets.values():
        for c in s.cidrs:
            out |= {c.first, c.first + 1, c.first + 2, c.first + 7, c.last}  # +1: the VPC router (DHCP)
    out |= {v.cidrs[0].first + 2 for v in d.vpcs.values() if v.cidrs}  # the Resolver
    out |= {0xA9FEA9FE, 0xA9FEA9FD, 0xA9FEA97B, 0xA9FEA901}  # metadata, DNS, time sync, and a nobody
    out |= {0x08080808, 0xC6336432, 0xC6336401, 0xCB007132, 0x01010101, 0x0A0A0A0A, 0xC0A80001}
    if any(s.ipv6_cidr is not None for s in d.subnets.values()):
        out |= {parse_ip(a) for a in _SIX}
        out |= {c.first + 0x10 for e in d.interfaces.values() for c in e.ipv6_prefixes}
    return sorted(a for a in out if ipv6 or a <= 0xFFFFFFFF)


@st.composite
def flows(draw: st.DrawFn, net: Network) -> list[tuple[Any, Any, Any, int]]:
    names = sorted(net.design.instances) + sorted(net.design.interfaces) + ["internet", "internet6"]
    # An interface endpoint's interfaces answer and never open connections: no source by name.
    senders = [n for n in names if n not in net.design.interfaces or net.design.interfaces[n].service is None]
    addrs = addresses(net)
    endpoint = st.one_of(st.sampled_from(senders), st.sampled_from(addrs), st.sampled_from(addrs).map(int_to_ip))
    dst = st.one_of(st.sampled_from(addrs), st.sampled_from(addrs).map(int_to_ip), st.sampled_from(names))
    proto = st.sampled_from([6, 6, 17, 17, 1, "tcp", "udp", "icmp", 47, 50, 0, 132, 58, 58, "icmpv6"])
    port = st.one_of(st.sampled_from([0, 22, 53, 67, 123, 80, 443, 1024, 5432, 8080, 32768, 61000, 65535]),
                     st.integers(0, 65535))
    out = []
    for _ in range(draw(st.integers(1, 90))):
        p = draw(proto)
        q = draw(port) % 256 if p in (1, "icmp", 58, "icmpv6") else draw(port)  # ICMP, ICMPv6: a type
        out.append((draw(endpoint), draw(dst), p, q))
    return out


def traced(net: Network, flow: tuple[Any, Any, Any, int]) -> bool | str:
    src, dst, proto, port = flow
    text = [v if isinstance(v, str) else int_to_ip(v) for v in (src, dst)]
    try:
        return net.trace(text[0], text[1], port, proto).reachable
    except VpcsimError as exc:
        return type(exc).__name__


@pytest.mark.parametrize("name", DESIGNS)
@PROPS
@given(data=st.data())
def test_batch_verdicts_equal_traces(name: str, data: st.DataObject) -> None:
    net = network(name)
    batch_flows = data.draw(flows(net))
    want = [traced(net, f) for f in batch_flows]
    # An IPv6-only interface and an IPv4 end have no family in common: trace and batch refuse it alike.
    refused = [f for f, w in zip(batch_flows, want, strict=True) if not isinstance(w, bool)]
    assert all(w == "EndpointError" for w in want if not isinstance(w, bool)), want
    for f in refused[:3]:
        with pytest.raises(EndpointError, match="address family"):
            verdicts(net, [f])
    batch_flows = [f for f, w in zip(batch_flows, want, strict=True) if isinstance(w, bool)]
    want = [w for w in want if isinstance(w, bool)]
    # Below 64 flows the pure-Python path answers; above, numpy; the result is the same.
    assert verdicts(net, batch_flows) == want
    assert verdicts(net, batch_flows * 2) == want * 2
    # One flow at a time (twice: the second answers from the endpoints memoised by the first).
    for _ in range(2):
        assert [net.reachable(s, t, port, proto) for s, t, proto, port in batch_flows] == want


@pytest.mark.parametrize("name", DESIGNS)
def test_every_owned_pair_as_int_arrays(name: str) -> None:
    np = pytest.importorskip("numpy")
    net = network(name)
    addrs = addresses(net, ipv6=False)  # int64 columns: IPv6 pairs are test_ipv6_pairs_as_ints'
    pairs = [(a, b) for a in addrs for b in addrs if a != b]
    rng = np.random.default_rng(7)
    src = np.array([a for a, _ in pairs], dtype=np.int64)
    dst = np.array([b for _, b in pairs], dtype=np.int64)
    proto = rng.choice(np.array([6, 17, 1, 47]), len(pairs))
    port = np.where(proto == 1, rng.choice(np.array([0, 8, 13]), len(pairs)),
                    rng.choice(np.array([22, 80, 443, 5432, 8080, 40000]), len(pairs)))
    got = verdicts_array(net, src=src, dst=dst, protocol=proto, port=port)
    assert got.dtype == bool and got.shape == (len(pairs),)
    for i in range(0, len(pairs), max(1, len(pairs) // 400)):
        flow = (int(src[i]), int(dst[i]), int(proto[i]), int(port[i]))
        assert bool(got[i]) == traced(net, flow), flow


@pytest.mark.parametrize("name", DESIGNS)
def test_amazon_services_are_classes_of_their_own(name: str) -> None:
    """The VPC router (DHCP on udp 67 only), the Resolver, metadata: each answers where the
    addresses around it are nobody's."""
    net = network(name)
    flows = []
    for inst in sorted(net.design.instances):
        subnet = net.design.subnets[net.design.interfaces[net.design.instances[inst].interfaces[0]].subnet]
        router = subnet.cidr.first + 1
        for dst in (router, router + 1, subnet.cidr.first + 2, 0xA9FEA9FE, 0xA9FEA9FD, 0xA9FEA901):
            if (dst > 0xFFFFFFFF) is (subnet.cidr.bits == 32):
                continue  # an IPv6-only instance and an IPv4 address: refused (test_batch_verdicts_equal_traces)
            flows += [(inst, dst, proto, port) for proto, port in (("udp", 67), ("udp", 68), ("udp", 53), ("tcp", 80))]
    want = [traced(net, f) for f in flows]
    assert verdicts(net, flows) == want
    assert verdicts(net, flows * (1 + 64 // max(1, len(flows)))) == want * (1 + 64 // max(1, len(flows)))
    assert [net.reachable(*f[:2], f[3], f[2]) for f in flows] == want
    if name == "basic-vpc":  # DHCP from web-a's own subnet's router, and nothing else there
        assert verdicts(net, [("web-a", "10.0.1.1", "udp", 67), ("web-a", "10.0.1.1", "udp", 68),
                              ("web-a", "10.0.1.7", "udp", 67), ("web-a", "169.254.169.254", "tcp", 80),
                              ("web-a", "169.254.169.1", "tcp", 80)]) == [True, False, False, True, False]


def test_dual_stack_verdicts() -> None:
    """The dual-stack scenario's IPv6 flows, by name, text and int, one at a time and in bulk."""
    net = network("dual-stack")
    flows = [("internet6", "app-a", "tcp", 22),  # the mistake: ::/0 -> IGW and an ssh rule from ::/0
             ("internet6", "app-b", "tcp", 22),  # the egress-only gateway drops the reply
             ("app-b", "internet6", "tcp", 443),  # out by the egress-only gateway, back by its session
             ("app-a", "64:ff9b::c633:640a", "tcp", 443),  # NAT64
             ("internet6", "2600:1f18:7a00:5e10::10", "tcp", 22),  # app-a by address
             ("2001:db8::1", parse_ip("2600:1f18:7a00:5e10::20"), "tcp", 22),  # legacy-app: no IPv6 rule
             ("bastion", "internet6", "udp", 53),
             ("app-a", "fd00:ec2::253", "udp", 53)]  # the Resolver's IPv6 address
    want = [True, False, True, True, True, False, True, True]
    assert [traced(net, f) for f in flows] == want
    assert verdicts(net, flows) == want
    assert verdicts(net, flows * 10) == want * 10
    assert [net.reachable(s, t, port, proto) for s, t, proto, port in flows] == want


@pytest.mark.parametrize("name", ["dual-stack", "ipv6-mix"])
def test_ipv6_pairs_as_ints(name: str) -> None:
    """Every pair of IPv6 addresses worth trying, as Python ints (and a numpy object column)."""
    np = pytest.importorskip("numpy")
    net = network(name)
    six = [a for a in addresses(net) if a > 0xFFFFFFFF]
    flows = [(a, b, proto, port) for a in six for b in six if a != b for proto, port in ((6, 22), (17, 53), (6, 443))]
    want = [traced(net, f) for f in flows]
    assert verdicts(net, flows) == want
    got = verdicts_array(net, src=np.array([f[0] for f in flows], dtype=object),
                         dst=np.array([f[1] for f in flows], dtype=object),
                         protocol=np.array([f[2] for f in flows]), port=np.array([f[3] for f in flows]))
    assert got.tolist() == want
    assert any(want) and not all(want)


def test_two_families_are_refused_like_trace() -> None:
    net = network("dual-stack")
    for flow in [("internet6", "8.8.8.8", "tcp", 443), ("2001:db8::1", "1.1.1.1", "tcp", 443),
                 (0x08080808, parse_ip("2001:db8::1"), "tcp", 443)]:
        with pytest.raises(EndpointError, match="one address family"):
            net.trace(*(v if isinstance(v, str) else int_to_ip(v) for v in flow[:2]), flow[3], flow[2])
        with pytest.raises(EndpointError, match="one address family"):
            verdicts(net, [flow])
        with pytest.raises(EndpointError, match="one address family"):
            verdicts(net, [flow] * 70)
        with pytest.raises(EndpointError, match="one address family"):
            net.reachable(flow[0], flow[1], flow[3], flow[2])


def test_forms_of_input() -> None:
    net = network("basic-vpc")
    flows = [("internet", "192.0.2.10", "tcp", 443), ("web-a", "10.0.11.10", 6, 5432),
             ("10.0.12.10", "10.0.11.10", "tcp", 5432), ("internet", "192.0.2.10", "tcp", 22)]
    assert verdicts(net, flows) == [True, True, False, False]
    assert net.verdicts(flows) == [True, True, False, False]
    cols = {"src": [f[0] for f in flows], "dst": [f[1] for f in flows], "port": [f[3] for f in flows]}
    assert verdicts(net, **cols) == [True, True, False, False]  # protocol defaults to tcp
    assert verdicts(net, src=["web-a"] * 2, dst=["db-primary", "web-b"], protocol="tcp", port=[5432, 443]) == [
        True, True]  # a named destination is addressed as trace addresses it
    assert verdicts(net, []) == []


def test_numpy_arrays_in_and_out() -> None:
    np = pytest.importorskip("numpy")
    net = network("basic-vpc")
    arr = verdicts_array(net, src=np.array([0xC6336432] * 2), dst=np.array([0xC000020A, 0xC000020B]),
                         protocol=6, port=np.array([22, 22]))
    assert arr.tolist() == [True, True]  # ssh from the admin range
    assert verdicts_array(net, []).shape == (0,)


def test_results_are_memoised_per_key() -> None:
    net = vpcsim.load(BASIC)
    flows = [("internet", "192.0.2.10", "tcp", p) for p in range(100)]
    verdicts(net, flows)
    b = batch._batcher(vpcsim.analyse.analyser(net))
    computed = b.computed
    assert computed == 1  # one key: the same two endpoint classes
    verdicts(net, [("8.8.4.4", "192.0.2.11", "tcp", p) for p in range(100)])
    assert b.computed == computed  # web-b is in web-a's class, 8.8.4.4 in 8.8.8.8's


def test_without_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    net = network("nat-bastion")
    flows = [(s, "8.8.8.8", "tcp", 443) for s in sorted(net.design.instances)] * 20
    want = [traced(net, f) for f in flows]
    monkeypatch.setattr(core, "numpy_available", lambda: False)
    assert verdicts(net, flows) == want


def test_wider_networks_take_the_python_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A network with addresses wider than the numpy packing holds gets the same verdicts without it."""
    np = pytest.importorskip("numpy")
    net = vpcsim.load(ROOT / "scenarios" / "nat-bastion.yaml")  # a fresh batcher: packable is decided at its start
    addrs = addresses(net)
    flows = [(a, b, 6, p) for a in addrs[:12] for b in addrs[-12:] for p in (22, 443)]
    want = [traced(net, f) for f in flows]
    assert len(flows) >= 64  # long enough for the numpy path
    monkeypatch.setattr(batch, "_PACK_BITS", 16)  # as if the addresses were wider than the packing

    def no_numpy_tables(self: Any) -> None:
        raise AssertionError("the numpy path ran")

    monkeypatch.setattr(batch._Batcher, "np_tables", no_numpy_tables)
    assert verdicts(net, flows) == want
    got = verdicts_array(net, src=np.array([f[0] for f in flows]), dst=np.array([f[1] for f in flows]),
                         protocol=6, port=np.array([f[3] for f in flows]))
    assert got.dtype == bool and got.tolist() == want
    assert not batch._batcher(vpcsim.analyse.analyser(net)).packable


@pytest.mark.parametrize(
    ("flows", "error", "message"),
    [
        ([("web-a", "10.0.11.10", "sctp", 5432)], UsageError, "unknown protocol"),
        ([("web-a", "10.0.11.10", 300, 5432)], UsageError, "one protocol"),
        ([("web-a", "10.0.11.10", "tcp", 70000)], UsageError, "out of range"),
        ([("web-a", "10.0.11.10", "icmp", 300)], UsageError, "icmp type 300"),
        ([("nobody", "10.0.11.10", "tcp", 22)], EndpointError, "nobody"),
        ([("web-a", "10.0.11.10", "tcp")], UsageError, "four values"),
    ],
)
def test_bad_flows(flows: list[Any], error: type[Exception], message: str) -> None:
    net = network("basic-vpc")
    with pytest.raises(error, match=message):
        verdicts(net, flows)
    with pytest.raises(error, match=message):
        verdicts(net, flows * 70)  # the numpy path says the same


@pytest.mark.parametrize(
    ("flow", "error", "message"),
    [
        (("web-a", "10.0.11.10", "sctp", 5432), UsageError, "unknown protocol"),
        (("web-a", "10.0.11.10", 300, 5432), UsageError, "one protocol"),
        (("web-a", "10.0.11.10", "tcp", 70000), UsageError, "out of range"),
        (("web-a", "10.0.11.10", "icmp", 300), UsageError, "icmp type 300"),
        (("web-a", "10.0.11.10", "tcp", "22"), UsageError, "out of range"),
        (("nobody", "10.0.11.10", "tcp", 22), EndpointError, "nobody"),
        (("web-a", "nobody", "tcp", 22), EndpointError, "nobody"),
    ],
)
def test_reachable_bad_flows(flow: tuple[Any, Any, Any, Any], error: type[Exception], message: str) -> None:
    net = network("basic-vpc")
    src, dst, proto, port = flow
    for _ in range(2):  # nothing half-memoised by the first failure
        with pytest.raises(error, match=message):
            net.reachable(src, dst, port, proto)


def test_reachable_one_walk_per_key() -> None:
    """`Network.reachable` reads the batch's verdict table: the same key is walked once, whatever the port."""
    net = vpcsim.load(BASIC)
    got = [net.reachable("internet", "192.0.2.10", p) for p in range(100)]
    assert got == [net.trace("internet", "192.0.2.10", p).reachable for p in range(100)]
    assert [p for p in range(100) if got[p]] == [80]  # http from anywhere (ssh only from the admin range)
    assert batch._batcher(vpcsim.analyse.analyser(net)).computed == 1
    # A destination by name is addressed for its source: web-a privately from web-b, publicly from the internet.
    assert net.reachable("web-b", "web-a", 443) == net.trace("web-b", "web-a", 443).reachable
    assert net.reachable("internet", "web-a", 443) is True
    assert net.reachable("internet", "web-a", 5432, "tcp", ephemeral=(1024, 65535)) is False


def test_bad_columns() -> None:
    np = pytest.importorskip("numpy")
    net = network("basic-vpc")
    with pytest.raises(UsageError, match="not both"):
        verdicts(net, [("web-a", "10.0.11.10", "tcp", 22)], src=["web-a"])
    with pytest.raises(UsageError, match="sources but"):
        verdicts_array(net, src=np.array([1, 2]), dst=np.array([1]), protocol=6, port=np.array([1, 2]))
    with pytest.raises(UsageError, match="out of range"):
        verdicts_array(net, src=np.array([-1]), dst=np.array([1]), protocol=6, port=np.array([1]))
