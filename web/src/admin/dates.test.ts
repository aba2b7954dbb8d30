import { describe, expect, it } from "vitest";
import { monthStart, sameDayBack, storeDay } from "./dates";

describe("the store's calendar", () => {
  it("turns the day at the store's midnight, not UTC's", () => {
    const at = Date.parse("2027-03-31T19:00:00Z"); // 00:30 on 1 April in India
    expect(storeDay(330, 0, at)).toBe("2027-04-01");
    expect(storeDay(0, 0, at)).toBe("2027-03-31");
    expect(storeDay(330, -1, at)).toBe("2027-03-31");
  });

  it("compares a month so far with the same days of the month before", () => {
    expect(monthStart("2027-03-31")).toBe("2027-03-01");
    expect(monthStart("2027-01-15", 1)).toBe("2026-12-01");
    expect(sameDayBack("2027-03-31")).toBe("2027-02-28");
    expect(sameDayBack("2028-03-30")).toBe("2028-02-29");
    expect(sameDayBack("2027-01-10")).toBe("2026-12-10");
  });
});
