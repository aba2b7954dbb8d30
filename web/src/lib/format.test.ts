import { describe, expect, it } from "vitest";
import { formatDate, formatMoney, formatRupees, parseRupees, rupeesField } from "./format";

describe("money", () => {
  it("shows paise as rupees in the Indian grouping", () => {
    // 1,23,456.78 rupees: lakh grouping, two decimals.
    expect(formatMoney(12_345_678)).toBe("₹1,23,456.78");
    expect(formatMoney(0)).toBe("₹0.00");
    expect(formatMoney(-6800)).toBe("-₹68.00");
    expect(formatRupees(100_000)).toBe("₹1,000");
    expect(formatRupees(50_050)).toBe("₹500.50");
  });

  it("reads rupees typed by a person as paise, or nothing", () => {
    expect(parseRupees("1,299.5")).toBe(129_950);
    expect(parseRupees("₹ 40")).toBe(4000);
    expect(parseRupees("0.05")).toBe(5);
    expect(parseRupees("12.345")).toBeUndefined();
    expect(parseRupees("abc")).toBeUndefined();
    expect(parseRupees("")).toBeUndefined();
  });
});

describe("dates", () => {
  it("are shown in the store's time zone, not the reader's", () => {
    // 20:00 UTC on 31 March is 01:30 on 1 April in India: the financial year turns.
    expect(formatDate("2027-03-31T20:00:00Z")).toContain("1 Apr 2027");
    expect(formatDate("not a date")).toBe("not a date");
    // A store elsewhere (UTC+4, say) dates by its own clock.
    expect(formatDate("2027-03-31T20:00:00Z", "en", false, 240)).toContain("1 Apr 2027");
    expect(formatDate("2027-03-31T19:00:00Z", "en", false, 240)).toContain("31 Mar 2027");
    expect(formatDate("2027-03-31T20:00:00Z", "en", true)).toMatch(/1:30\s?am/i);
  });
});

describe("a price field's text", () => {
  it("round-trips every amount through parseRupees", () => {
    for (const minor of [0, 5, 29, 99, 100, 1250, 129_999]) expect(parseRupees(rupeesField(minor))).toBe(minor);
    expect(rupeesField(1250)).toBe("12.50");
    expect(rupeesField(4000)).toBe("40");
    expect(rupeesField(null)).toBe("");
  });
});
