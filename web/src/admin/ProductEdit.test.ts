import { describe, expect, it } from "vitest";
import { combinations } from "./ProductEdit";

describe("variants from options", () => {
  it("are every combination of the values, first option slowest", () => {
    expect(
      combinations([
        { name: "Size", values: ["S", "M"] },
        { name: "Colour", values: ["Red", "Blue", "Green"] },
      ]),
    ).toEqual([
      { Size: "S", Colour: "Red" },
      { Size: "S", Colour: "Blue" },
      { Size: "S", Colour: "Green" },
      { Size: "M", Colour: "Red" },
      { Size: "M", Colour: "Blue" },
      { Size: "M", Colour: "Green" },
    ]);
  });
  it("is one plain variant without options, and an option without values adds nothing", () => {
    expect(combinations([])).toEqual([{}]);
    expect(combinations([{ name: "Size", values: [] }])).toEqual([{}]);
  });
});
