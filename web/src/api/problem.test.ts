import { describe, expect, it } from "vitest";
import { ApiError, NetworkError, call, fieldErrorsOf, isTransient } from "./problem";

const response = (status: number) => new Response(null, { status });

describe("call", () => {
  it("returns the data of a success", async () => {
    await expect(call(Promise.resolve({ data: { id: "1" }, response: response(200) }))).resolves.toEqual({ id: "1" });
  });

  it("turns a problem into an ApiError that names its fields", async () => {
    const problem = {
      status: 400,
      detail: "the request has invalid fields",
      errors: [
        { field: "shipping_address.pincode", message: "must be a six-digit PIN code" },
        { field: "email", message: "is required" },
      ],
    };
    const failed = call(Promise.resolve({ error: problem, response: response(400) }));
    await expect(failed).rejects.toBeInstanceOf(ApiError);
    const e = await failed.catch((x: unknown) => x);
    expect((e as ApiError).status).toBe(400);
    expect((e as ApiError).message).toBe("the request has invalid fields");
    expect(fieldErrorsOf(e)).toEqual({
      "shipping_address.pincode": "must be a six-digit PIN code",
      email: "is required",
    });
    expect(fieldErrorsOf(e, "shipping_address.")).toEqual({ pincode: "must be a six-digit PIN code" });
    expect(isTransient(e)).toBe(false);
  });

  it("makes a failed fetch a NetworkError, which is worth retrying, as is a 5xx", async () => {
    const e = await call(Promise.reject(new TypeError("Failed to fetch"))).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect(isTransient(e)).toBe(true);
    const server = await call(Promise.resolve({ error: { status: 503 }, response: response(503) })).catch((x: unknown) => x);
    expect(isTransient(server)).toBe(true);
    expect(fieldErrorsOf(server)).toEqual({});
  });
});
