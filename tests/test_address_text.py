"""The importer's address readers: `ip_int` (one regex for the common form) answers as
`ip_text` then `model.ip_to_int` do, for every text an AWS file might hold."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from vpcsim.importers.mapping import ip_int, ip_text
from vpcsim.model import ip_to_int

_OCTETS = st.one_of(st.integers(0, 255).map(str), st.integers(256, 999).map(str),
                    st.sampled_from(["00", "01", "010", "-1", "", " 1", "1 ", "٣", "0x1", "1e2"]))
_DOTTED = st.lists(_OCTETS, min_size=3, max_size=5).map(".".join)
_TEXTS = st.one_of(_DOTTED, _DOTTED.map(lambda t: f" {t}\n"), st.text(max_size=20))


def _two_steps(text: str) -> int | None:
    canonical = ip_text(text)
    return None if canonical is None else ip_to_int(canonical)


@settings(derandomize=True, max_examples=1000, deadline=None)
@given(_TEXTS)
@example("10.0.0.1")
@example("255.255.255.255")
@example("0.0.0.0")
@example(" 10.0.0.1 ")  # (ip_text strips)
@example("010.0.0.1")
@example("1.2.3.4\n")
def test_ip_int_is_ip_text_then_ip_to_int(text: str) -> None:
    assert ip_int(text) == _two_steps(text)


def test_ip_int_reads_what_aws_writes() -> None:
    assert ip_int("10.1.2.3") == (10 << 24) | (1 << 16) | (2 << 8) | 3
    assert ip_int("256.1.1.1") is None and ip_int("") is None and ip_int("10.0.0") is None


def test_every_octet_value_in_every_place() -> None:
    for place in range(4):
        for value in range(300):  # (256-299: not an address)
            parts = ["1", "20", "255", "7"]
            parts[place] = str(value)
            text = ".".join(parts)
            assert ip_int(text) == _two_steps(text), text
