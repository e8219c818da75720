// The console builds to dist/ (index.html + hashed assets/), which bcs serve
// embeds; `npm run dev` proxies the API to a `make run` server on :8080.
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

const api = process.env.BCS_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, reportCompressedSize: false },
  server: {
    proxy: {
      '/query': { target: api, ws: true },
      '/auth': { target: api },
      // The Kubernetes proxy, for pod logs and terminals.
      '/clusters': { target: api, ws: true },
    },
  },
  test: { environment: 'jsdom', include: ['src/**/*.test.{ts,tsx}'], setupFiles: ['src/test-setup.ts'] },
});
