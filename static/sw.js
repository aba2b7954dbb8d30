// The offline shell of the till (/pos): every file of the built app is cached when this
// worker installs, so the page opens with no connection. API calls are never cached
// here: the till keeps its own copy of what it sells in IndexedDB.
// The build fills in VERSION and PRECACHE (vite.config.ts).

const VERSION = "ef2e0fbe";
const PRECACHE = [
  "/assets/BarChart-DtxAk-W7.js",
  "/assets/CatalogSetup-Dhk5QFfN.js",
  "/assets/Counter-BObQDgUE.js",
  "/assets/Dashboard-C8fabOW4.js",
  "/assets/Discounts-gIA5__yJ.js",
  "/assets/Import-WOaLAYKn.js",
  "/assets/Inventory-CTQkO1lF.js",
  "/assets/Invoices-D-0XfTyi.js",
  "/assets/Layout-V6Qxp9jW.js",
  "/assets/Orders-meHyaqf_.js",
  "/assets/Payments-BECm0o73.js",
  "/assets/People-DeJeIjAc.js",
  "/assets/Pos-BsNzP0jX.js",
  "/assets/ProductEdit-Dhx-ytHZ.js",
  "/assets/Products-DoZFetQD.js",
  "/assets/Purchasing-B7yJ5MGQ.js",
  "/assets/Reports-jgVhPwHL.js",
  "/assets/Settings-CrqvTdk2.js",
  "/assets/Shipping-n-RNehy4.js",
  "/assets/VariantPicker-CmAfU4WA.js",
  "/assets/categories-5be7KQjF.js",
  "/assets/dates-CrVD30ok.js",
  "/assets/download-DXKS7sVr.js",
  "/assets/index-BKQ3tHs7.js",
  "/assets/index-DkUfpu5y.css",
  "/assets/inter-latin-ext-wght-normal-DO1Apj_S.woff2",
  "/assets/inter-latin-wght-normal-Dx4kXJAl.woff2",
  "/assets/noto-sans-devanagari-devanagari-400-normal-BlDd6KY1.woff2",
  "/assets/noto-sans-devanagari-devanagari-600-normal-BeyktMLo.woff2",
  "/assets/printer-mMVhfCNo.js",
  "/assets/strings-lA8mVzQY.js",
  "/assets/upload-CJJqw9Eb.js",
  "/assets/useQueries-BViBtVFi.js",
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
