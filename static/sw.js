// The offline shell of the till (/pos): every file of the built app is cached when this
// worker installs, so the page opens with no connection. API calls are never cached
// here: the till keeps its own copy of what it sells in IndexedDB.
// The build fills in VERSION and PRECACHE (vite.config.ts).

const VERSION = "c11b4fb5";
const PRECACHE = [
  "/assets/BarChart-BaGJFi55.js",
  "/assets/CatalogSetup-CTlQRkj1.js",
  "/assets/Counter-DrP6IzaV.js",
  "/assets/Dashboard-DyMLPTxk.js",
  "/assets/Discounts-8VXjcs4k.js",
  "/assets/Import-Chomxjlm.js",
  "/assets/Inventory-CPLpLARt.js",
  "/assets/Invoices-BI49tALx.js",
  "/assets/Layout-DTilBGII.js",
  "/assets/Orders-CHzdCwSs.js",
  "/assets/Payments-Bvk-O3Lq.js",
  "/assets/People-BcCWn0GO.js",
  "/assets/Pos-DuWkTu-o.js",
  "/assets/ProductEdit-oZuUwsOm.js",
  "/assets/Products-DLXSKc0i.js",
  "/assets/Purchasing-Jxm4Zl1o.js",
  "/assets/Reports-CqGf-Wxe.js",
  "/assets/Settings-4g9hptYb.js",
  "/assets/Shipping-D39NjD6H.js",
  "/assets/VariantPicker-BS0bNK2y.js",
  "/assets/categories-5be7KQjF.js",
  "/assets/dates-CrVD30ok.js",
  "/assets/download--UfeWVra.js",
  "/assets/index-C9UbSDPm.js",
  "/assets/index-DVAY8w-O.css",
  "/assets/inter-latin-ext-wght-normal-DO1Apj_S.woff2",
  "/assets/inter-latin-wght-normal-Dx4kXJAl.woff2",
  "/assets/noto-sans-devanagari-devanagari-400-normal-BlDd6KY1.woff2",
  "/assets/noto-sans-devanagari-devanagari-600-normal-BeyktMLo.woff2",
  "/assets/printer-B3QCOsAC.js",
  "/assets/strings-lA8mVzQY.js",
  "/assets/upload-DwEFgi9x.js",
  "/assets/useQueries-PLKImRB7.js",
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
