import { describe, expect, it } from "vitest";
import { gstinCheckChar, gstinProblem } from "./gstin";

describe("GSTIN", () => {
  it("accepts a well-formed number and names what is wrong with others", () => {
    // 29AAACK1234M1Z + its check character, worked out by hand from the mod-36 rule.
    const first14 = "29AAACK1234M1Z";
    const values = [...first14].map((c) => "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".indexOf(c));
    const sum = values.reduce((s, v, i) => {
      const p = v * (i % 2 === 0 ? 1 : 2);
      return s + Math.floor(p / 36) + (p % 36);
    }, 0);
    const check = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(36 - (sum % 36)) % 36];
    expect(gstinCheckChar(first14)).toBe(check);
    expect(gstinProblem(`${first14}${check}`.toLowerCase())).toBeUndefined();
    expect(gstinProblem("29AAACK1234M1Z")).toBe("must be 15 letters and digits");
    expect(gstinProblem(`99${first14.slice(2)}${check}`)).toMatch(/state code/);
    expect(gstinProblem(`29AAAC11234M1Z${check}`)).toMatch(/PAN/);
    const wrong = check === "A" ? "B" : "A";
    expect(gstinProblem(`${first14}${wrong}`)).toBe("check character does not match");
  });
});
