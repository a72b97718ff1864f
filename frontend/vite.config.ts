// Vite config: esbuild compiles TSX (no React plugin); the bundle lands where the server serves it.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "../src/loom/ui/dist",
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      // @xyflow/react ships a "use client" directive (for React Server Components); it means nothing here.
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8700" },
  },
});
