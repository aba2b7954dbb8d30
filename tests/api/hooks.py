"""Teaches schemathesis the two formats of Kirana's schema that a pattern cannot fully say:
`gstin` (a GSTIN with a valid state code and mod-36 check character) and `gtin` (a barcode
with a valid check digit). Loaded with SCHEMATHESIS_HOOKS by scripts/api-check."""

import schemathesis
from hypothesis import strategies as st

BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# A few state codes that are places of supply (the server's table is in
# src/contracts/gst_state_codes.csv).
STATES = ["07", "09", "27", "29", "33", "36"]


def gstin_check(first14: str) -> str:
    total = 0
    for i, c in enumerate(first14):
        product = BASE36.index(c) * (1 if i % 2 == 0 else 2)
        total += product // 36 + product % 36
    return BASE36[(36 - total % 36) % 36]


@st.composite
def gstins(draw):
    letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    digits = st.sampled_from("0123456789")
    state = draw(st.sampled_from(STATES))
    pan = "".join(draw(letters) for _ in range(5))
    pan += "".join(draw(digits) for _ in range(4)) + draw(letters)
    registration = draw(st.sampled_from("123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    first14 = state + pan + registration + "Z"
    return first14 + gstin_check(first14)


def gtin_check(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


@st.composite
def gtins(draw):
    length = draw(st.sampled_from([8, 12, 13, 14]))
    body = "".join(draw(st.sampled_from("0123456789")) for _ in range(length - 1))
    return body + gtin_check(body)


schemathesis.openapi.format("gstin", gstins())
schemathesis.openapi.format("gtin", gtins())
