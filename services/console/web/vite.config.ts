import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The app lives under /console on the edge; the REST API is on the same origin.
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
  test: { environment: "jsdom", include: ["src/**/*.test.tsx", "src/**/*.test.ts"] },
});
