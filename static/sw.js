// The offline shell of the till (/pos): every file of the built app is cached when this
// worker installs, so the page opens with no connection. API calls are never cached
// here: the till keeps its own copy of what it sells in IndexedDB.
// The build fills in VERSION and PRECACHE (vite.config.ts).

const VERSION = "a11b6f11";
const PRECACHE = [
  "/assets/BarChart-_UZswkFp.js",
  "/assets/CatalogSetup-DEFeLpjf.js",
  "/assets/Counter-CFYKK-VB.js",
  "/assets/Dashboard-m2Ik-IpV.js",
  "/assets/Discounts-DotgA1FI.js",
  "/assets/Import-MjmtzNal.js",
  "/assets/Inventory-C2a6wc1V.js",
  "/assets/Invoices-BXRpzc2D.js",
  "/assets/Layout-KhQvmagP.js",
  "/assets/Orders-i2C-AYos.js",
  "/assets/Payments-C3ldrODa.js",
  "/assets/People-CZCwdQdi.js",
  "/assets/Pos-CIs44vIL.js",
  "/assets/ProductEdit-CU3HsSku.js",
  "/assets/Products-D_3lflie.js",
  "/assets/Purchasing-BpWA2aei.js",
  "/assets/Reports-DUYAdmfO.js",
  "/assets/Settings-C-MZohTX.js",
  "/assets/Shipping-4IpCoZ1Y.js",
  "/assets/VariantPicker-0BV2bJGf.js",
  "/assets/categories-5be7KQjF.js",
  "/assets/dates-CrVD30ok.js",
  "/assets/download-D9OgQOVO.js",
  "/assets/index--UQ85hSj.js",
  "/assets/index-DKzebyO5.css",
  "/assets/inter-latin-ext-wght-normal-DO1Apj_S.woff2",
  "/assets/inter-latin-wght-normal-Dx4kXJAl.woff2",
  "/assets/noto-sans-devanagari-devanagari-400-normal-BlDd6KY1.woff2",
  "/assets/noto-sans-devanagari-devanagari-600-normal-BeyktMLo.woff2",
  "/assets/printer-DCN00XI8.js",
  "/assets/strings-lA8mVzQY.js",
  "/assets/upload-D-q-Ai3J.js",
  "/assets/useQueries-5VBlJRzr.js",
  "/favicon.svg",
  "/index.html",
  "/pos.webmanifest"
];
const CACHE = `kirana-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("kirana-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    // The network first (a new version of the app), the cached shell without one.
    event.respondWith(
      fetch(request).catch(() => caches.match("/index.html", { ignoreVary: true }).then((hit) => hit || Response.error())),
    );
    return;
  }
  event.respondWith(caches.match(request, { ignoreVary: true }).then((hit) => hit || fetch(request)));
});
