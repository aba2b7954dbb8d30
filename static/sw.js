// The offline shell of the till (/pos): every file of the built app is cached when this
// worker installs, so the page opens with no connection. API calls are never cached
// here: the till keeps its own copy of what it sells in IndexedDB.
// The build fills in VERSION and PRECACHE (vite.config.ts).

const VERSION = "1c7e7165";
const PRECACHE = [
  "/assets/BarChart-DEQLubho.js",
  "/assets/CatalogSetup-BjWvmzd0.js",
  "/assets/Counter-D5yjeqMS.js",
  "/assets/Dashboard-Di_Spfst.js",
  "/assets/Discounts-BJcg5kVz.js",
  "/assets/Import-DNZZ6Ezq.js",
  "/assets/Inventory-C2PbGzH0.js",
  "/assets/Invoices-DyqOSh-Q.js",
  "/assets/Layout-DjaQOOa7.js",
  "/assets/Orders-CS3Z2Odf.js",
  "/assets/Payments-CiVpxAp8.js",
  "/assets/People-6xDBD5Cy.js",
  "/assets/Pos-6P0fWbml.js",
  "/assets/ProductEdit-Vdzv34AD.js",
  "/assets/Products-BEjgn4Yc.js",
  "/assets/Purchasing-BOmtg_5A.js",
  "/assets/Reports-CpnLhcL2.js",
  "/assets/Settings-DxIilhFu.js",
  "/assets/Shipping-kSLFQXCU.js",
  "/assets/VariantPicker-8Q_C_iqZ.js",
  "/assets/categories-5be7KQjF.js",
  "/assets/dates-CrVD30ok.js",
  "/assets/download-BGdXkLFE.js",
  "/assets/index-BVlWWpFr.css",
  "/assets/index-qOmhMZZH.js",
  "/assets/inter-latin-ext-wght-normal-DO1Apj_S.woff2",
  "/assets/inter-latin-wght-normal-Dx4kXJAl.woff2",
  "/assets/noto-sans-devanagari-devanagari-400-normal-BlDd6KY1.woff2",
  "/assets/noto-sans-devanagari-devanagari-600-normal-BeyktMLo.woff2",
  "/assets/printer-088_9_2-.js",
  "/assets/strings-lA8mVzQY.js",
  "/assets/upload-BlQPJtNf.js",
  "/assets/useQueries-C7w9eN2k.js",
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
