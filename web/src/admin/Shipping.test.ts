import { describe, expect, it } from "vitest";
import { parsePins, pinsText } from "./Shipping";

describe("PIN rules typed by staff", () => {
  it("are prefixes and ranges, in any spacing", () => {
    expect(parsePins("560, 562100-562199  7000")).toEqual({
      rules: [{ prefix: "560" }, { from: "562100", to: "562199" }, { prefix: "7000" }],
      bad: [],
    });
  });
  it("name what is not one", () => {
    expect(parsePins("56A, 5621-5622, 1234567").bad).toEqual(["56A", "5621-5622", "1234567"]);
  });
  it("round-trip through the field", () => {
    const rules = [{ prefix: "560" }, { from: "562100", to: "562199" }];
    expect(parsePins(pinsText(rules)).rules).toEqual(rules);
  });
});
