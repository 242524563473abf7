"""Address parsing over ints, held to the standard library's ipaddress with Hypothesis."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim.model import Cidr, int_to_ip, ip_to_int


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
