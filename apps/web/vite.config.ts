import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';

/** In development the dashboard talks to the API (npm start) through this proxy: one origin, as in production. */
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

// The dashboard shows the version it was built at, the API's (one number for every package).
const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  plugins: [react()],
  define: { __PGFAN_VERSION__: JSON.stringify(version) },
  resolve: { conditions: ['source'] },
  server: {
    port: 5173,
    proxy: {
      '/api': api,
      '/admin': api,
      '/socket.io': { target: api, ws: true },
    },
  },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1024 },
});
