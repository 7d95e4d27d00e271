import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The console is built into dist/web and served by `gatehouse serve` (src/http/web.plugin.ts).
// `npm run dev:web` serves it with hot reload and forwards the API to a server on :3000.
const api = { target: 'http://localhost:3000', changeOrigin: false };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // No source maps in what is served (they would publish the console's sources).
    sourcemap: false,
    // Rolldown's plugin-timing report is noise on a loaded CI machine.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: { proxy: { '/api': api, '/t': api } },
});
