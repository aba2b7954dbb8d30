// The storefront as a shopper's browser sees it, on loopback: a real `kirana serve
// --demo` (fresh SQLite), Debian's Chromium through playwright-core (from web/). For the
// home page, a category page and a product page, 20 loads each with a cold cache and 20
// warm, then the category page with the CPU slowed 4× (a mid-range phone): the median
// time from navigation to the product grid (or the product's title) on screen, and
// Chromium's own paint and layout measurements (FCP, LCP, CLS, long tasks as TBT,
// bytes transferred).
//
//   KIRANA_BIN=/var/tmp/kirana-target/release/kirana node bench/web-vitals.mjs
import { startStack } from "../web/e2e/harness.mjs";

const RUNS = Number(process.env.RUNS ?? 20);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const OBSERVE = () => {
  globalThis.__vitals = { lcp: 0, cls: 0, tbt: 0 };
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) globalThis.__vitals.lcp = e.startTime;
  }).observe({ type: "largest-contentful-paint", buffered: true });
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) if (!e.hadRecentInput) globalThis.__vitals.cls += e.value;
  }).observe({ type: "layout-shift", buffered: true });
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) globalThis.__vitals.tbt += Math.max(0, e.duration - 50);
  }).observe({ type: "longtask", buffered: true });
};

async function measure(stack, path, ready, { warm, cpu = 1 }) {
  const context = await stack.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  if (cpu > 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: cpu });
  await page.addInitScript(OBSERVE);
  if (warm) {
    await page.goto(stack.base + path);
    await page.locator(ready).first().waitFor();
  }
  await page.goto(stack.base + path);
  await page.locator(ready).first().waitFor();
  const shown = await page.evaluate(() => performance.now());
  await page.waitForTimeout(300);
  const v = await page.evaluate(() => {
    const fcp = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? 0;
    const bytes = performance
      .getEntriesByType("resource")
      .concat(performance.getEntriesByType("navigation"))
      .reduce((n, e) => n + (e.transferSize || 0), 0);
    return { fcp, ...globalThis.__vitals, bytes };
  });
  await context.close();
  return { shown, ...v };
}

const stack = await startStack();
try {
  const pages = [
    ["home", "/", "[data-testid=product-grid] li"],
    ["category", "/c/grocery", "[data-testid=product-grid] li"],
    ["product", "/p/amul-pure-ghee", "main h1"],
  ];
  const rows = [];
  for (const [name, path, ready] of pages) {
    for (const [mode, opts] of [
      ["cold", { warm: false }],
      ["warm", { warm: true }],
      ...(name === "category" ? [["cold, CPU ÷4", { warm: false, cpu: 4 }]] : []),
    ]) {
      const runs = [];
      for (let i = 0; i < RUNS; i += 1) runs.push(await measure(stack, path, ready, opts));
      const m = (k) => median(runs.map((r) => r[k]));
      rows.push({
        page: name,
        cache: mode,
        "content shown ms": m("shown").toFixed(0),
        "FCP ms": m("fcp").toFixed(0),
        "LCP ms": m("lcp").toFixed(0),
        CLS: m("cls").toFixed(3),
        "TBT ms": m("tbt").toFixed(0),
        "KB transferred": (m("bytes") / 1024).toFixed(0),
      });
    }
  }
  console.log(`medians of ${RUNS} loads each, 1280×800, loopback`);
  console.table(rows);
} finally {
  await stack.stop();
}
