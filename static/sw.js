// The offline shell of the till (/pos): every file of the built app is cached when this
// worker installs, so the page opens with no connection. API calls are never cached
// here: the till keeps its own copy of what it sells in IndexedDB.
// The build fills in VERSION and PRECACHE (vite.config.ts).

const VERSION = "6d3a9f32";
const PRECACHE = [
  "/assets/BarChart-CWOy14_1.js",
  "/assets/CatalogSetup-9yUO7zL_.js",
  "/assets/Counter-DJl_dIJB.js",
  "/assets/Dashboard-Dp4hfFsa.js",
  "/assets/Discounts-Zh3eEO0q.js",
  "/assets/Import--wAbvYiZ.js",
  "/assets/Inventory-D3hV22Xf.js",
  "/assets/Invoices-C_3MnkB5.js",
  "/assets/Layout-CUkmq_IB.js",
  "/assets/Orders-Co7OHNnR.js",
  "/assets/Payments-BabyKwom.js",
  "/assets/People-7MhCSvZj.js",
  "/assets/Pos-12KzaGhj.js",
  "/assets/ProductEdit-DC76F2Pk.js",
  "/assets/Products-B3XLVgSu.js",
  "/assets/Purchasing-BS9OjK-c.js",
  "/assets/Reports-D81Eer6b.js",
  "/assets/Settings-YdmQcYax.js",
  "/assets/Shipping-CQNDpPo4.js",
  "/assets/VariantPicker-0kcYHDNf.js",
  "/assets/categories-5be7KQjF.js",
  "/assets/dates-CrVD30ok.js",
  "/assets/download-C45grHfX.js",
  "/assets/index-4jwG6zxG.js",
  "/assets/index-DkUfpu5y.css",
  "/assets/inter-latin-ext-wght-normal-DO1Apj_S.woff2",
  "/assets/inter-latin-wght-normal-Dx4kXJAl.woff2",
  "/assets/noto-sans-devanagari-devanagari-400-normal-BlDd6KY1.woff2",
  "/assets/noto-sans-devanagari-devanagari-600-normal-BeyktMLo.woff2",
  "/assets/printer-D0icTzdT.js",
  "/assets/strings-lA8mVzQY.js",
  "/assets/upload-CzsDbO-X.js",
  "/assets/useQueries-klVjrynU.js",
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
