import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import type { Plugin } from "vite";

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

// The app is built into ../static, which the server embeds; `npm run dev` proxies the API
// to a local `kirana serve` on port 8080.
export default defineConfig({
  plugins: [react(), tailwindcss(), preloadTextFont()],
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
