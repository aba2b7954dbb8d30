import { describe, expect, it } from "vitest";
import { addItem, applyTenders, countTotal, discountAmount, discountRefusal, findByCode, priceCart, searchItems, setQuantity, type CounterDiscount, type CounterItem } from "./till";

const item = (over: Partial<CounterItem>): CounterItem => ({
  variant_id: "v1",
  product_id: "p1",
  sku: "RICE-1",
  barcode: "8901234567890",
  name: "Basmati Rice / 1 kg",
  unit_price_minor: 11_000,
  list_price_minor: 11_000,
  price_source: "list",
  rate_bp: 500,
  hsn: "1006",
  favourite: false,
  ...over,
});

const rice = item({});
const juice = item({ variant_id: "v2", sku: "JUICE-200", barcode: "8900000000017", name: "Mixed Fruit Juice / 200 ml", unit_price_minor: 2_000, rate_bp: 1800 });
const percent: CounterDiscount = { code: "TEN", kind: "percent", value: 1000, min_order_minor: 0, starts_at: null, ends_at: null };

describe("the till", () => {
  it("finds a scan by barcode, then by SKU in any case, and names by every word", () => {
    expect(findByCode([rice, juice], " 8900000000017 ")?.variant_id).toBe("v2");
    expect(findByCode([rice, juice], "rice-1")?.variant_id).toBe("v1");
    expect(findByCode([rice, juice], "0000")).toBeUndefined();
    expect(searchItems([rice, juice], "fruit 200").map((i) => i.variant_id)).toEqual(["v2"]);
    expect(searchItems([rice, juice], "  ")).toEqual([]);
  });

  it("adds one more of a scanned item and removes a line set to zero", () => {
    let lines = addItem([], rice);
    lines = addItem(lines, juice);
    lines = addItem(lines, rice);
    expect(lines.map((l) => [l.variant_id, l.quantity])).toEqual([["v1", 2], ["v2", 1]]);
    expect(setQuantity(lines, "v1", 0).map((l) => l.variant_id)).toEqual(["v2"]);
    expect(setQuantity(lines, "v2", 7.9)[1]?.quantity).toBe(7);
  });

  it("takes a percentage rounded half-up, a fixed amount no more than the goods, and refuses by the rules", () => {
    // 10 % of ₹1.05 is 10.5 paise: 11.
    expect(discountAmount(percent, 105)).toBe(11);
    expect(discountAmount({ ...percent, kind: "fixed", value: 50_000 }, 30_000)).toBe(30_000);
    const now = new Date("2026-12-07T10:00:00Z");
    expect(discountRefusal({ ...percent, min_order_minor: 50_000 }, 49_999, now)).toMatch(/at least 50000/);
    expect(discountRefusal({ ...percent, ends_at: "2026-12-07T10:00:00Z" }, 1, now)).toBe("has expired");
    expect(discountRefusal({ ...percent, starts_at: "2026-12-08T00:00:00Z" }, 1, now)).toBe("is not valid yet");
  });

  it("prices a cart with GST included: each half rounded on the line, the discount shared by amount", () => {
    const lines = addItem(addItem(addItem([], rice), rice), juice); // ₹220 at 5 %, ₹20 at 18 %
    const t = priceCart(lines, { supply: "intra_state", pricesIncludeTax: true, discount: percent, code: "TEN" });
    expect(t.subtotal_minor).toBe(24_000);
    expect(t.discount_minor).toBe(2_400);
    // Shares by amount: 22000/24000 × 2400 = 2200 and 200.
    expect(t.lines.map((l) => l.discount_minor)).toEqual([2_200, 200]);
    // Rice: net 19800 × 500 / 21000 = 471.43 → 471 each half; juice: 1800 × 1800 / 23600 = 137.29 → 137.
    expect(t.tax_rows).toEqual([
      { rate_bp: 500, taxable_minor: 19_800 - 942, cgst_minor: 471, sgst_minor: 471, igst_minor: 0 },
      { rate_bp: 1800, taxable_minor: 1_800 - 274, cgst_minor: 137, sgst_minor: 137, igst_minor: 0 },
    ]);
    expect(t.grand_total_minor).toBe(21_600);
    expect(t.tax_minor).toBe(942 + 274);
    const unknown = priceCart(lines, { supply: "intra_state", pricesIncludeTax: true, code: "NOPE" });
    expect([unknown.discount_minor, unknown.discount_problem]).toEqual([0, "is not a discount code"]);
  });

  it("applies card and UPI first, then cash, whose excess is the change", () => {
    const paid = applyTenders(128_500, [
      { kind: "cash", amount_minor: 110_000 },
      { kind: "upi", amount_minor: 20_000, reference: "UPI1" },
    ]);
    expect(paid.change_minor).toBe(1_500);
    expect(paid.owed_minor).toBe(0);
    expect(paid.applied.map((a) => [a.kind, a.applied_minor, a.tendered_minor])).toEqual([
      ["upi", 20_000, 20_000],
      ["cash", 108_500, 110_000],
    ]);
    expect(applyTenders(10_000, [{ kind: "card", amount_minor: 12_000, reference: "C" }]).over_minor).toBe(2_000);
    expect(applyTenders(10_000, [{ kind: "cash", amount_minor: 5_000 }]).owed_minor).toBe(5_000);
  });

  it("counts a drawer by denomination", () => {
    expect(countTotal({ 50_000: 3, 1_000: 2, 100: 7 })).toBe(150_000 + 2_000 + 700);
  });
});
