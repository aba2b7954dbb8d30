// The offline shell of the till (/pos): every file of the built app is cached when this
// worker installs, so the page opens with no connection. API calls are never cached
// here: the till keeps its own copy of what it sells in IndexedDB.
// The build fills in VERSION and PRECACHE (vite.config.ts).

const VERSION = "10d20b4b";
const PRECACHE = [
  "/assets/BarChart-CdtUAc0u.js",
  "/assets/CatalogSetup-Vnodn-4_.js",
  "/assets/Dashboard-54g_1ZaS.js",
  "/assets/Discounts-NqmqMC0C.js",
  "/assets/Import-U2kX4dfF.js",
  "/assets/Inventory-B01Xsgl-.js",
  "/assets/Invoices-Bqw_c8JT.js",
  "/assets/Layout-D5LL63oh.js",
  "/assets/Orders-ClSd-kzE.js",
  "/assets/Payments-bOnc1g56.js",
  "/assets/People-ClLrfNYw.js",
  "/assets/Pos-BVNLbeEs.js",
  "/assets/ProductEdit-DMA5hEEJ.js",
  "/assets/Products-wXFzEEVm.js",
  "/assets/Purchasing-CMCz_IWk.js",
  "/assets/Reports-DT0dif6o.js",
  "/assets/Settings-COq6Gyku.js",
  "/assets/Shipping-DwMXYGNO.js",
  "/assets/VariantPicker-BKbbADyB.js",
  "/assets/categories-5be7KQjF.js",
  "/assets/dates-CrVD30ok.js",
  "/assets/download-BR-FLW7O.js",
  "/assets/index-D4hXXgBF.css",
  "/assets/index-DZJO5Zxf.js",
  "/assets/inter-latin-ext-wght-normal-DO1Apj_S.woff2",
  "/assets/inter-latin-wght-normal-Dx4kXJAl.woff2",
  "/assets/noto-sans-devanagari-devanagari-400-normal-BlDd6KY1.woff2",
  "/assets/noto-sans-devanagari-devanagari-600-normal-BeyktMLo.woff2",
  "/assets/printer-D_AhBi_s.js",
  "/assets/strings-CVZFv21-.js",
  "/assets/upload-C_MPOrhy.js",
  "/assets/useQueries-CnT3UKhA.js",
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
