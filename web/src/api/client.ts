import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

export const CSRF_COOKIE = "kirana_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** Cookie sessions: writes echo the readable CSRF cookie in a header (double submit). */
export const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method)) {
      const token = readCookie(CSRF_COOKIE);
      if (token) request.headers.set(CSRF_HEADER, token);
    }
    return request;
  },
};

export const api = createClient<paths>({
  baseUrl: typeof window === "undefined" ? "http://localhost" : window.location.origin,
  credentials: "same-origin",
});
api.use(csrf);

/** A fresh key for a write that must happen once, however often it is retried. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
