import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** In development the dashboard talks to the API (npm start) through this proxy: one origin, as in production. */
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
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
