import { describe, expect, it } from "vitest";
import { checkAddress, emptyAddress, toPostal } from "./AddressFields";
import { parseListing } from "./Listing";

const t = (k: string) => k;

describe("an address", () => {
  it("names every blank required field and a malformed PIN code", () => {
    const errors = checkAddress({ ...emptyAddress("29"), name: "Asha", pincode: "012345" }, t);
    expect(Object.keys(errors).sort()).toEqual(["city", "line1", "phone", "pincode"]);
    expect(errors.pincode).toBe("form.pincode");
    expect(errors.city).toBe("form.required");
  });

  it("is sent without a blank second line", () => {
    const a = { name: "A", phone: "9845012345", line1: "1 Road", line2: "  ", city: "X", state_code: "27", pincode: " 400001 " };
    expect(checkAddress(a, t)).toEqual({});
    expect(toPostal(a)).toMatchObject({ line2: null, pincode: "400001", state_code: "27" });
  });
});

describe("a listing's URL", () => {
  it("keeps the filters it understands and drops the rest", () => {
    expect(parseListing({ q: "tea", sort: "price_asc", min: "5000", max: 20000, stock: "true" })).toEqual({
      q: "tea",
      sort: "price_asc",
      min: 5000,
      max: 20000,
      stock: true,
      sub: undefined,
    });
    expect(parseListing({ q: "  ", sort: "cheapest", min: "-1", max: "1.5", stock: "no" })).toEqual({
      q: undefined,
      sort: undefined,
      min: undefined,
      max: undefined,
      stock: undefined,
      sub: undefined,
    });
  });
});
