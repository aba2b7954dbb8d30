import { afterEach, describe, expect, it } from "vitest";
import { CSRF_COOKIE, csrf, readCookie } from "./client";

afterEach(() => {
  document.cookie = `${CSRF_COOKIE}=; expires=Thu, 01 Jan 1970 00:00:00 GMT`;
});

async function sent(method: string) {
  const request = new Request("http://localhost/api/v1/cart/lines", { method });
  const out = await csrf.onRequest!({ request } as never);
  return (out as Request).headers.get("X-CSRF-Token");
}

describe("the CSRF header", () => {
  it("echoes the readable cookie on writes only", async () => {
    document.cookie = `${CSRF_COOKIE}=abc123`;
    expect(readCookie(CSRF_COOKIE)).toBe("abc123");
    expect(await sent("POST")).toBe("abc123");
    expect(await sent("DELETE")).toBe("abc123");
    expect(await sent("GET")).toBeNull();
  });

  it("is left out without a session", async () => {
    expect(await sent("POST")).toBeNull();
  });
});
