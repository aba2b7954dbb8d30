import { describe, expect, it } from "vitest";
import { en } from "./en";
import { hi } from "./hi";
import { translate } from "./index";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the string catalogs", () => {
  it("fill placeholders", () => {
    expect(translate("en", "product.fewLeft", { count: 3 })).toBe("Only 3 left");
    expect(translate("hi", "product.fewLeft", { count: 3 })).toBe("केवल 3 बचे हैं");
  });

  it("give Hindi for every English string, with the same placeholders", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(hi[key].trim(), key).not.toBe("");
      expect(placeholders(hi[key]), key).toEqual(placeholders(en[key]));
    }
  });
});
