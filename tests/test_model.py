"""Address parsing over ints, held to the standard library's ipaddress with Hypothesis."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim.model import Cidr, int_to_ip, ip_to_int, parse_address


@settings(derandomize=True, max_examples=300)
@given(st.integers(0, 2**32 - 1))
def test_ip_round_trip(value: int) -> None:
    text = int_to_ip(value)
    assert text == str(ipaddress.IPv4Address(value))
    assert ip_to_int(text) == value


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


# A Cidr carries its width; IPv6 parsing is another issue, so 128-bit prefixes are built from
# ints here and held to ipaddress.IPv6Network.


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
    assert cidr.contains(probe) == (ipaddress.IPv6Address(probe) in expected)
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
        ("2001:db8::/32", r"'2001:db8::' is an IPv6 address, which vpcsim does not simulate yet"),
        ("::/0", r"'::' is an IPv6 address"),
    ],
)
def test_ipv6_text_is_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Cidr.parse(text)
    with pytest.raises(ValueError, match="IPv6 address"):
        parse_address(text.partition("/")[0])


def test_covers_space_per_width() -> None:
    halves = [Cidr.parse("0.0.0.0/1"), Cidr.parse("128.0.0.0/1")]
    assert Cidr.covers_space(halves) and Cidr.covers_space([Cidr.parse("0.0.0.0/0")])
    assert not Cidr.covers_space(halves[:1]) and not Cidr.covers_space([])
    assert not Cidr.covers_space([halves[0], Cidr.parse("192.0.0.0/2")])  # a gap at 128.0.0.0/2
    assert not Cidr.covers_space([Cidr(0, 0, 128)])  # ::/0 is not 0.0.0.0/0
    assert Cidr.covers_space([Cidr(0, 1, 128), Cidr(2**127, 1, 128), halves[0]], bits=128)
    assert not Cidr.covers_space(halves, bits=128)
    assert parse_address("10.0.0.1") == (ip_to_int("10.0.0.1"), 32)
