// GST on a sale, line by line: the browser's copy of the server's rule
// (src/contracts/tax.rs), for totals the POS computes while offline. Both are tested
// against one table of cases (tests/data/tax_cases.json), so they agree to the paisa.
//
// Each tax component of a line is rounded half-up once, on the line's net amount (gross
// less its share of discounts). Prices that include tax keep the net as the line total and
// the taxable value is what remains; prices that exclude it add the components. Intra-state
// supplies split the rate in two equal halves, each rounded on its own. An order discount
// is shared by gross amount, the leftover paise going to the largest remainders (ties to
// the earlier line). Amounts are integers in paise; products are taken in BigInt, since
// a large amount times a rate passes 2^53.

export type Supply = "intra_state" | "intra_territory" | "inter_state";

export interface LineTax {
  taxable_minor: number;
  cgst_minor: number;
  /** SGST, or UTGST in a union territory without a legislature. */
  sgst_minor: number;
  igst_minor: number;
  total_minor: number;
}

/** `value × numerator / denominator` rounded half-up (non-negative operands). */
function mulDivRound(value: number, numerator: number, denominator: number): number {
  if (denominator === 0) return 0;
  const wide = BigInt(value) * BigInt(numerator);
  const d = BigInt(denominator);
  return Number((wide * 2n + d) / (2n * d));
}

/** The tax of one line of `gross` paise less `discount`, at `rateBp` basis points. */
export function lineTax(gross: number, discount: number, rateBp: number, supply: Supply, pricesIncludeTax: boolean): LineTax {
  const net = Math.max(gross - discount, 0);
  const rate = Math.max(rateBp, 0);
  let cgst = 0;
  let sgst = 0;
  let igst = 0;
  if (supply === "inter_state") {
    igst = pricesIncludeTax ? mulDivRound(net, rate, 10_000 + rate) : mulDivRound(net, rate, 10_000);
  } else {
    const half = pricesIncludeTax ? mulDivRound(net, rate, 20_000 + 2 * rate) : mulDivRound(net, rate, 20_000);
    cgst = half;
    sgst = half;
  }
  const tax = cgst + sgst + igst;
  return pricesIncludeTax
    ? { taxable_minor: net - tax, cgst_minor: cgst, sgst_minor: sgst, igst_minor: igst, total_minor: net }
    : { taxable_minor: net, cgst_minor: cgst, sgst_minor: sgst, igst_minor: igst, total_minor: net + tax };
}

/** Shares `amount` among `weights` (largest remainder): the shares add up to `amount`. */
export function allocate(amount: number, weights: number[]): number[] {
  const total = weights.reduce((n, w) => n + BigInt(Math.max(w, 0)), 0n);
  if (total === 0n || amount <= 0) return weights.map(() => 0);
  const big = BigInt(amount);
  const shares: number[] = [];
  const remainders: [bigint, number][] = [];
  weights.forEach((w, i) => {
    const exact = big * BigInt(Math.max(w, 0));
    shares.push(Number(exact / total));
    remainders.push([exact % total, i]);
  });
  let left = amount - shares.reduce((n, s) => n + s, 0);
  remainders.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] > b[0] ? -1 : 1));
  for (const [, i] of remainders) {
    if (left <= 0) break;
    shares[i] = (shares[i] ?? 0) + 1;
    left -= 1;
  }
  return shares;
}

/** Taxes of lines (`[gross, rateBp]`) sharing one order-level discount: each line's share and tax. */
export function linesTax(
  lines: [number, number][],
  orderDiscount: number,
  supply: Supply,
  pricesIncludeTax: boolean,
): { discount_minor: number; tax: LineTax }[] {
  const shares = allocate(
    orderDiscount,
    lines.map(([gross]) => gross),
  );
  return lines.map(([gross, rate], i) => {
    const discount = shares[i] ?? 0;
    return { discount_minor: discount, tax: lineTax(gross, discount, rate, supply, pricesIncludeTax) };
  });
}
