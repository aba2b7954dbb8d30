import { describe, expect, it } from "vitest";
import { badCells } from "./Import";

describe("the dry run's errors as cells", () => {
  it("name each row and column, in file order", () => {
    const cells = badCells([
      { field: "rows[7].price_minor", message: "must be a whole number of paise" },
      { field: "rows[2].sku", message: "is used by another variant" },
      { field: "rows[2].gst_rate_bp", message: "must be one of 0, 500, 1800" },
    ]);
    expect(cells).toEqual([
      { row: 2, column: "gst_rate_bp", message: "must be one of 0, 500, 1800" },
      { row: 2, column: "sku", message: "is used by another variant" },
      { row: 7, column: "price_minor", message: "must be a whole number of paise" },
    ]);
  });
  it("keep a problem with the file itself (the header) without a row", () => {
    expect(badCells([{ field: "header", message: "needs a sku column" }])).toEqual([{ row: null, column: "header", message: "needs a sku column" }]);
    expect(badCells([{ field: "rows[4]", message: "is not valid CSV" }])).toEqual([{ row: 4, column: "", message: "is not valid CSV" }]);
  });
});
