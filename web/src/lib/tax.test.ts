import { describe, expect, it } from "vitest";
import table from "../../../tests/data/tax_cases.json";
import { linesTax, type Supply } from "./tax";

// The same table the server's rule is tested against (src/contracts/tax.rs); its figures
// come from scripts/tax-cases.py.
describe("the browser's GST rule", () => {
  it("has at least 50 shared cases", () => {
    expect(table.cases.length).toBeGreaterThanOrEqual(50);
  });
  for (const c of table.cases) {
    it(c.name, () => {
      const got = linesTax(
        c.lines.map((l) => [l.gross_minor, l.rate_bp] as [number, number]),
        c.order_discount_minor,
        c.supply as Supply,
        c.prices_include_tax,
      );
      expect(got.map((g) => ({ discount_minor: g.discount_minor, ...g.tax }))).toEqual(c.expect);
    });
  }
});
