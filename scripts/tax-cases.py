#!/usr/bin/env python3
"""Writes tests/data/tax_cases.json: sales whose GST the server (Rust) and the browser
(TypeScript, the POS when offline) must both compute to the paisa. The expected figures
are worked out here, independently, with decimal arithmetic and the rule in
src/contracts/tax.rs's header: each component rounded half-up once per line on its net
amount; intra-state halves rounded each on its own; an order discount shared by gross
amount with the leftover paise to the largest remainders (ties to the earlier line).
Run it again only to add cases: `python3 scripts/tax-cases.py`."""
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def shares(amount: int, weights: list[int]) -> list[int]:
    total = sum(max(w, 0) for w in weights)
    if total == 0 or amount <= 0:
        return [0] * len(weights)
    exact = [Decimal(amount) * max(w, 0) / total for w in weights]
    floors = [int(e) for e in exact]
    left = amount - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def line(net: int, rate: int, supply: str, inclusive: bool) -> dict:
    r = Decimal(rate) / 10000
    if supply == "inter_state":
        whole = half_up(Decimal(net) * r / (1 + r)) if inclusive else half_up(Decimal(net) * r)
        cgst, sgst, igst = 0, 0, whole
    else:
        half = r / 2
        each = half_up(Decimal(net) * half / (1 + r)) if inclusive else half_up(Decimal(net) * half)
        cgst, sgst, igst = each, each, 0
    tax = cgst + sgst + igst
    taxable, total = (net - tax, net) if inclusive else (net, net + tax)
    return {"taxable_minor": taxable, "cgst_minor": cgst, "sgst_minor": sgst, "igst_minor": igst, "total_minor": total}


def case(name: str, supply: str, inclusive: bool, lines: list[tuple[int, int]], discount: int = 0) -> dict:
    split = shares(discount, [g for g, _ in lines])
    expect = []
    for (gross, rate), share in zip(lines, split):
        expect.append({"discount_minor": share, **line(max(gross - share, 0), rate, supply, inclusive)})
    return {
        "name": name,
        "supply": supply,
        "prices_include_tax": inclusive,
        "order_discount_minor": discount,
        "lines": [{"gross_minor": g, "rate_bp": r} for g, r in lines],
        "expect": expect,
    }


SUPPLIES = ["intra_state", "intra_territory", "inter_state"]
cases = []
# Every supply, both price conventions, at each GST slab on a round and an odd amount.
for supply in SUPPLIES:
    for inclusive in (True, False):
        for rate, gross in [(0, 4_999), (500, 105), (1200, 99_999), (1800, 118_000), (2800, 12_345)]:
            word = "incl." if inclusive else "excl."
            cases.append(case(f"{supply} {word} {rate / 100:g} % on {gross} paise", supply, inclusive, [(gross, rate)]))
# Rounding edges: an exact half paisa, one paisa, gold's 3 % and diamonds' 0.25 %.
cases += [
    case("intra excl. 5 % on 20 paise: each half is exactly 0.5, up", "intra_state", False, [(20, 500)]),
    case("inter excl. 5 % on 10 paise: exactly 0.5, up", "inter_state", False, [(10, 500)]),
    case("intra incl. 18 % on one paisa", "intra_state", True, [(1, 1800)]),
    case("inter excl. 28 % on one paisa", "inter_state", False, [(1, 2800)]),
    case("intra incl. 3 % gold", "intra_state", True, [(7_234_567, 300)]),
    case("inter excl. 0.25 % rough diamonds", "inter_state", False, [(1_999_999, 25)]),
    case("intra excl. 0.25 % on 199 paise", "intra_state", False, [(199, 25)]),
    case("a large sale incl. 18 %", "inter_state", True, [(99_999_999_999, 1800)]),
    case("a large sale excl. 28 % intra", "intra_state", False, [(50_000_000_001, 2800)]),
]
# Order discounts shared among lines of different rates.
baskets = [
    [(59_000, 500), (12_000, 500)],
    [(11_800, 1800), (4_500, 1200), (999, 0)],
    [(1, 1800), (1, 1800), (1, 1800)],
    [(25_000, 2800), (25_000, 500)],
    [(333, 1200), (333, 1200), (334, 1200)],
]
for supply in SUPPLIES:
    for inclusive in (True, False):
        for i, basket in enumerate(baskets):
            total = sum(g for g, _ in basket)
            discount = [1_000, 2_311, 2, 7_777, 100][i]
            word = "incl." if inclusive else "excl."
            cases.append(case(f"{supply} {word} basket {i + 1} less {discount} paise", supply, inclusive, basket, min(discount, total)))
# A discount as large as the basket, and one larger than a line's share can hold.
cases += [
    case("the whole basket discounted", "intra_state", True, [(5_000, 500), (7_000, 1800)], 12_000),
    case("ties among equal remainders go to the earlier line", "inter_state", False, [(100, 1800), (100, 1800), (100, 1800)], 100),
]

out = Path(__file__).resolve().parent.parent / "tests" / "data" / "tax_cases.json"
out.write_text(json.dumps({"cases": cases}, indent=1) + "\n")
print(f"{len(cases)} cases written to {out}")
