// The till's service worker source; vite.config.ts fills in VERSION and PRECACHE at build
// time and writes it to sw.js.

export const SERVICE_WORKER = `// The offline shell of the till (/pos): every file of the built app is cached when this
// worker installs, so the page opens with no connection. API calls are never cached
// here: the till keeps its own copy of what it sells in IndexedDB.
// The build fills in VERSION and PRECACHE (vite.config.ts).

const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = \`kirana-\${VERSION}\`;

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
`;
