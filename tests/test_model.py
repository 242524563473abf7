"""Address parsing over ints, held to the standard library's ipaddress with Hypothesis."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vpcsim.model import Cidr, format_address, int_to_ip, ip_to_int, parse_address, parse_ip


@settings(derandomize=True, max_examples=300)
@given(st.integers(0, 2**32 - 1))
def test_ip_round_trip(value: int) -> None:
    text = int_to_ip(value)
    assert text == str(ipaddress.IPv4Address(value))
    assert ip_to_int(text) == value


@settings(derandomize=True, max_examples=500)
@given(st.one_of(
    st.lists(st.one_of(st.integers(0, 300).map(str), st.text(alphabet=st.sampled_from("0125٢x \n"), max_size=4)),
             min_size=1, max_size=5).map(".".join),
    st.text(alphabet=st.sampled_from("0123456789.25x٢ \n"), max_size=17),
))
@example("256.0.0.1")
@example("0.256.0.1")
@example("0.0.256.1")
@example("0.0.0.256")
@example("255.255.255.255")
def test_ip_to_int_accepts_what_ipaddress_accepts(text: str) -> None:
    """The one-regex fast path and the octet-by-octet check agree with ipaddress, text by text."""
    try:
        expected = int(ipaddress.IPv4Address(text))
    except ValueError:
        with pytest.raises(ValueError, match="is not an IPv4 address"):
            ip_to_int(text)
    else:
        assert ip_to_int(text) == expected


@settings(derandomize=True, max_examples=300)
@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_cidr_matches_ipaddress(value: int, length: int) -> None:
    text = f"{int_to_ip(value)}/{length}"
    try:
        expected = ipaddress.IPv4Network(text, strict=True)
    except ValueError:
        with pytest.raises(ValueError, match="host bits set"):
            Cidr.parse(text)
        return
    cidr = Cidr.parse(text)
    assert (cidr.first, cidr.last, cidr.size) == (
        int(expected.network_address),
        int(expected.broadcast_address),
        expected.num_addresses,
    )
    assert str(cidr) == str(expected)


@pytest.mark.parametrize(
    "text, message",
    [
        ("10.0.0.0", "expected a.b.c.d/n"),
        ("10.0.0.256/24", "octet 256 > 255"),
        ("10.0.0/24", "expected four numbers"),
        ("10.0.0.0/33", "prefix length must be 0-32"),
        ("10.0.0.01/32", "bad octet '01'"),
        ("10.0.0.1/16", r"has host bits set \(expected 10.0.0.0/16\)"),
    ],
)
def test_cidr_errors_quote_the_input(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Cidr.parse(text)


# A Cidr carries its width; 128-bit prefixes built from ints are held to ipaddress.IPv6Network.
# An address's family is its value's (model's docstring): an IPv6 prefix never holds an int of
# 0..0xFFFFFFFF, which is an IPv4 address.


@settings(derandomize=True, max_examples=300)
@given(st.integers(0, 2**128 - 1), st.integers(0, 128), st.integers(0, 2**128 - 1))
def test_wide_cidr_matches_ipaddress(value: int, length: int, probe: int) -> None:
    expected = ipaddress.IPv6Network((value, length), strict=False)
    cidr = Cidr(int(expected.network_address), length, 128)
    assert (cidr.first, cidr.last, cidr.size) == (
        int(expected.network_address),
        int(expected.broadcast_address),
        expected.num_addresses,
    )
    assert str(cidr) == str(expected)
    assert cidr.contains(probe) == (ipaddress.IPv6Address(probe) in expected and probe > 0xFFFFFFFF)
    other = ipaddress.IPv6Network((probe, length // 2), strict=False)
    wider = Cidr(int(other.network_address), length // 2, 128)
    assert cidr.overlaps(wider) == expected.overlaps(other) == wider.overlaps(cidr)
    assert wider.covers(cidr) == expected.subnet_of(other)


def test_widths_never_mix() -> None:
    v4_any, v6_any = Cidr(0, 0), Cidr(0, 0, 128)
    assert v4_any == Cidr.parse("0.0.0.0/0") and v4_any.bits == 32
    assert v4_any != v6_any and len({v4_any, v6_any}) == 2
    assert (v4_any.last, v6_any.last) == (2**32 - 1, 2**128 - 1)
    assert not v4_any.overlaps(v6_any) and not v6_any.covers(Cidr.parse("10.0.0.0/8"))
    assert str(v6_any) == "::/0" and str(Cidr(0x20010DB8 << 96, 32, 128)) == "2001:db8::/32"


@pytest.mark.parametrize(
    "text, message",
    [
        ("2001:db8::/129", r"prefix length must be 0-128"),
        ("2001:db8::1/32", r"has host bits set \(expected 2001:db8::/32\)"),
        ("2001:db8::g/64", r"is not an IPv6 address"),
        ("fe80::1%eth0/64", r"is not an IPv6 address"),
        ("2001:db8:::/48", r"is not an IPv6 address"),
    ],
)
def test_ipv6_cidr_errors_quote_the_input(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Cidr.parse(text)


@settings(derandomize=True, max_examples=300)
@given(st.integers(2**32, 2**128 - 1))
def test_ipv6_text_round_trips_as_ipaddress_writes_it(value: int) -> None:
    text = str(ipaddress.IPv6Address(value))
    assert parse_address(text) == (value, 128) and parse_ip(text) == value
    assert format_address(value, 128) == int_to_ip(value) == text
    assert parse_address(ipaddress.IPv6Address(value).exploded) == (value, 128)


def test_ipv4_compatible_ipv6_addresses_are_no_host_address() -> None:
    # ::a.b.c.d would read as the IPv4 address a.b.c.d (RFC 4291 deprecates the block).
    with pytest.raises(ValueError, match="IPv4-compatible"):
        parse_ip("::10.0.0.1")
    assert parse_ip("::ffff:10.0.0.1") == 0xFFFF_0A00_0001  # IPv4-mapped: above 0xFFFFFFFF
    assert Cidr.parse("::/0").bits == 128 and not Cidr.parse("::/0").contains(ip_to_int("10.0.0.1"))


def test_covers_space_per_width() -> None:
    halves = [Cidr.parse("0.0.0.0/1"), Cidr.parse("128.0.0.0/1")]
    assert Cidr.covers_space(halves) and Cidr.covers_space([Cidr.parse("0.0.0.0/0")])
    assert not Cidr.covers_space(halves[:1]) and not Cidr.covers_space([])
    assert not Cidr.covers_space([halves[0], Cidr.parse("192.0.0.0/2")])  # a gap at 128.0.0.0/2
    assert not Cidr.covers_space([Cidr(0, 0, 128)])  # ::/0 is not 0.0.0.0/0
    assert Cidr.covers_space([Cidr(0, 1, 128), Cidr(2**127, 1, 128), halves[0]], bits=128)
    assert not Cidr.covers_space(halves, bits=128)
    assert parse_address("10.0.0.1") == (ip_to_int("10.0.0.1"), 32)


def test_cidr_of_takes_a_block_or_one_address() -> None:
    assert Cidr.of("10.0.0.5") == Cidr(ip_to_int("10.0.0.5"), 32, 32)
    assert Cidr.of("10.0.0.0/8") == Cidr.parse("10.0.0.0/8")
    assert Cidr.of("2001:db8::1") == Cidr((0x20010DB8 << 96) | 1, 128, 128)
    with pytest.raises(ValueError, match="host bits"):
        Cidr.of("10.0.0.1/8")


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["10.1.0.0/16", "52.0.0.0/8", "100.64.0.0/16"]))
def test_public_space_is_every_address_but_the_special_blocks_and_the_vpcs(addr: int, vpc_block: str) -> None:
    """compile.public_space against a plain reference built with ipaddress."""
    import vpcsim.components  # noqa: F401
    from vpcsim.compile import is_private, public_space
    from vpcsim.facts import NOT_INTERNET
    from vpcsim.loader.build import build
    from vpcsim.loader.reader import parse

    design, _ = build(parse(f"region: eu-west-1\nvpcs:\n  v: {{cidrs: [{vpc_block}]}}\n", "d.yaml"), "d.yaml")
    space = public_space(design)
    special = [ipaddress.ip_network(text) for text, _ in NOT_INTERNET]
    here = ipaddress.IPv4Address(addr)
    expected = not any(here in net for net in special) and here not in ipaddress.ip_network(vpc_block)
    assert any(lo <= addr <= hi for lo, hi in space) == expected
    assert is_private(addr) == any(here in net for net in special)
    # The other width is a space of its own: the design's IPv4 blocks leave it whole.
    assert public_space(design, 128)[0][0] == 2**32  # after ::/96 (NOT_INTERNET6)
    from vpcsim.facts import NOT_INTERNET6

    six = [ipaddress.ip_network(text) for text, _ in NOT_INTERNET6]
    holes = sorted((int(n.network_address), int(n.broadcast_address)) for n in six)
    assert public_space(design, 128)[:2] == [(holes[0][1] + 1, holes[1][0] - 1), (holes[1][1] + 1, holes[2][0] - 1)]
    assert is_private(addr, 128) == any(lo <= addr <= hi for lo, hi in holes)


def test_a_nacl_table_holds_one_width_and_ends_in_that_widths_deny() -> None:
    from vpcsim.compile import _nacl_rules
    from vpcsim.model import NaclRule

    v4 = NaclRule(100, True, -1, 0, 65535, Cidr.parse("0.0.0.0/0"))
    v6 = NaclRule(101, True, -1, 0, 65535, Cidr(0, 0, 128))
    table4, ordered4 = _nacl_rules((v4, v6))
    table6, ordered6 = _nacl_rules((v4, v6), bits=128)
    assert ordered4 == (v4, None) and ordered6 == (v6, None)
    top = 2**128 - 1
    assert table6.first_match(top, 6, 443) == 0 and table4.first_match(2**32 - 1, 6, 443) == 0
