import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import type { Plugin } from "vite";
import { SERVICE_WORKER } from "./sw/template.ts";

/** Preloads the Latin text font, so the first paint does not wait to discover it in CSS. */
function preloadTextFont(): Plugin {
  return {
    name: "kirana-preload-text-font",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html, ctx) {
        const font = Object.keys(ctx.bundle ?? {}).find((f) => /inter-latin-wght-normal-.*\.woff2$/.test(f));
        if (!font) return html;
        return html.replace(
          "</title>",
          `</title>\n    <link rel="preload" href="/${font}" as="font" type="font/woff2" crossorigin />`,
        );
      },
    },
  };
}

/** FNV-1a of `text`, as 8 hex digits: the cache's version. */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** The till's service worker (sw/template.ts) with the list of every built file to cache. */
function serviceWorker(): Plugin {
  return {
    name: "kirana-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = ["/index.html", "/favicon.svg", "/pos.webmanifest", ...Object.keys(bundle).filter((f) => f !== "index.html").map((f) => `/${f}`)].sort();
      const source = SERVICE_WORKER.replace("__VERSION__", fnv(files.join("\n")))
        .replace("__PRECACHE__", JSON.stringify(files, null, 2));
      this.emitFile({ type: "asset", fileName: "sw.js", source });
    },
  };
}

// The app is built into ../static, which the server embeds; `npm run dev` proxies the API
// to a local `kirana serve` on port 8080.
export default defineConfig({
  plugins: [react(), tailwindcss(), preloadTextFont(), serviceWorker()],
  build: {
    outDir: "../static",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8080",
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
