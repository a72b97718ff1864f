// Vite config: esbuild compiles TSX (no React plugin); the bundle lands where the server serves it.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "../src/loom/ui/dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8700" },
  },
});
