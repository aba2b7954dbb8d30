// Starts a real `kirana serve --demo` on a fresh SQLite database (and the Razorpay
// stand-in), drives Debian's Chromium with playwright-core, runs axe-core on pages, keeps
// console errors and screenshots. Nothing is downloaded.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { startRazorpayStandin } from "./razorpay-standin.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = resolve(here, "../..");
export const ARTIFACTS = join(here, "artifacts");
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const VIEWPORTS = [
  { name: "laptop", width: 1280, height: 800 },
  { name: "phone", width: 360, height: 740 },
];

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on("error", rej);
  });
}

function binary() {
  if (process.env.KIRANA_BIN) return process.env.KIRANA_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(repo, "target");
  return join(target, "debug", "kirana");
}

/** The store, the stand-in and the browser, for one test run. */
export async function startStack() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const keyId = "rzp_test_journeys";
  const keySecret = "journey-secret-" + Math.random().toString(36).slice(2);
  const razorpay = await startRazorpayStandin({ keyId, keySecret });
  const dir = mkdtempSync(join(tmpdir(), "kirana-e2e-"));
  const port = await freePort();
  const env = {
    ...process.env,
    KIRANA__DATA_DIR: join(dir, "data"),
    KIRANA__SERVER__HOST: "127.0.0.1",
    KIRANA__SERVER__PORT: String(port),
    KIRANA__RATE_LIMIT__PER_IP_PER_MINUTE: "100000",
    KIRANA__RATE_LIMIT__AUTH_PER_IP_PER_MINUTE: "10000",
    KIRANA__RATE_LIMIT__WRITES_PER_USER_PER_MINUTE: "100000",
    KIRANA__RAZORPAY__KEY_ID: keyId,
    KIRANA__RAZORPAY__KEY_SECRET: keySecret,
    KIRANA__RAZORPAY__BASE_URL: razorpay.url,
    KIRANA__RAZORPAY__CHECKOUT_SCRIPT_URL: `${razorpay.url}/checkout.js`,
    RUST_LOG: process.env.RUST_LOG ?? "warn",
  };
  const server = spawn(binary(), ["--config-dir", join(repo, "config"), "serve", "--demo"], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  server.stdout.on("data", (d) => (output += d));
  server.stderr.on("data", (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (server.exitCode !== null) throw new Error(`kirana exited:\n${output}`);
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 120_000) throw new Error(`kirana did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const password = output.match(/password of the demo accounts: (\S+)/)?.[1];
  if (!password) throw new Error(`no demo password in:\n${output}`);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  return {
    base,
    password,
    razorpay,
    browser,
    api: await apiClient(base, "admin@demo.kirana.in", password),
    async stop() {
      await browser.close();
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
      await razorpay.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The API as a signed-in user (a bearer token): what the journeys check pages against. */
export async function apiClient(base, email, password) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!r.ok) throw new Error(`login ${email}: ${r.status} ${await r.text()}`);
  const { access_token } = await r.json();
  const call = async (method, path, body, headers = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return json;
  };
  return {
    token: access_token,
    get: (p) => call("GET", p),
    // Every write carries its own Idempotency-Key, as a careful client's would.
    post: (p, b, h) => call("POST", p, b, { "Idempotency-Key": crypto.randomUUID(), ...h }),
    put: (p, b) => call("PUT", p, b),
    patch: (p, b) => call("PATCH", p, b),
  };
}

/**
 * A fresh browser context at a viewport. `page.done()` fails on console errors (an
 * expected 4xx answer the journey provoked may be allowed), on serious or critical axe
 * violations found by `page.check(name)`, and keeps screenshots.
 */
export async function openPage(stack, viewport, journey) {
  const context = await stack.browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
  const page = await context.newPage();
  const errors = [];
  const allowed = new Set();
  const allowedText = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  let shot = 0;
  page.allowHttpError = (status) => allowed.add(status);
  /** Console errors matching `pattern` are expected (a failure the journey causes). */
  page.allowConsole = (pattern) => allowedText.push(pattern);
  /** Screenshot and axe-core at this state of the page. */
  page.check = async (name) => {
    await page.waitForLoadState("networkidle");
    shot += 1;
    const file = join(ARTIFACTS, `${journey}-${viewport.name}-${String(shot).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    // Evaluated through the DevTools protocol, so the page's CSP does not block it.
    await page.evaluate(AXE);
    const result = await page.evaluate(() =>
      globalThis.axe.run(globalThis.document, { resultTypes: ["violations"] }),
    );
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    if (serious.length) {
      const text = serious
        .map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join("\n  ")}`)
        .join("\n");
      throw new Error(`axe on ${name} (${viewport.name}):\n${text}`);
    }
  };
  page.consoleErrors = () => [...errors];
  page.done = async () => {
    const real = errors.filter((e) => {
      const m = e.match(/status of (\d{3})/);
      if (m && allowed.has(Number(m[1]))) return false;
      return !allowedText.some((p) => p.test(e));
    });
    await context.close();
    if (real.length) throw new Error(`console errors:\n${real.join("\n")}`);
  };
  return page;
}

export function rupees(text) {
  return Math.round(Number(text.replace(/[^\d.]/g, "")) * 100);
}

/** Runs `body` on a fresh page; a failure also reports the page's console errors. */
export async function withPage(stack, viewport, journey, body) {
  const page = await openPage(stack, viewport, journey);
  try {
    await body(page);
  } catch (e) {
    const shot = join(ARTIFACTS, `${journey}-${viewport.name}-failed.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    e.message += `\nat ${page.url()} (screenshot ${shot})\nconsole:\n${page.consoleErrors().join("\n")}`;
    throw e;
  }
  await page.done();
}

/** Logs `email` in with the demo password and waits for `next`. */
export async function login(stack, page, email, next) {
  await page.goto(`${stack.base}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(stack.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(new RegExp(next.replace(/[?]/g, "\\?") + "$"));
}

/** A guest's online order, placed and not yet paid: its id and number. */
export async function unpaidOrder(stack, quantity = 2) {
  const products = await stack.api.get("/api/v1/catalog/products?in_stock=true&limit=1");
  const product = await stack.api.get(`/api/v1/catalog/products/${products.items[0].slug}`);
  const variant = product.variants.find((v) => v.available > quantity);
  const add = await fetch(`${stack.base}/api/v1/cart/lines`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ variant_id: variant.id, quantity }),
  });
  const token = add.headers.get("x-cart-token");
  const placed = await fetch(`${stack.base}/api/v1/cart/checkout`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-cart-token": token, "Idempotency-Key": crypto.randomUUID() },
    body: JSON.stringify({
      email: "walkin@example.in",
      shipping_address: { name: "Kiran Das", phone: "+91 94330 12345", line1: "3 Lake Road", city: "Kolkata", state_code: "19", pincode: "700029" },
    }),
  });
  if (placed.status !== 201) throw new Error(`checkout: ${placed.status} ${await placed.text()}`);
  return placed.json();
}

/** Waits (up to 10 s) until `check()` holds. */
export async function waitFor(check, what) {
  for (let i = 0; i < 100; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}
