import { describe, expect, it } from "vitest";
import { percentField, percentToBp } from "./Discounts";

describe("a percentage typed by staff", () => {
  it("becomes basis points exactly", () => {
    expect(percentToBp("10")).toBe(1000);
    expect(percentToBp("12.5")).toBe(1250);
    expect(percentToBp("0.05")).toBe(5);
    expect(percentToBp("100")).toBe(10000);
  });
  it("refuses what is not one", () => {
    for (const bad of ["", "abc", "1.234", "-5", "1e2"]) expect(percentToBp(bad)).toBeNull();
  });
  it("round-trips through the field", () => {
    for (const bp of [5, 1000, 1250, 10000]) expect(percentToBp(percentField(bp))).toBe(bp);
  });
});
