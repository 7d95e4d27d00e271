import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { embedBudget } from './budget';

// /embed/v1/gatehouse.js: the embeddable elements (web/embed/main.ts) as one ES module in
// dist/embed, served by `gatehouse serve` (src/http/embed.plugin.ts). The same .vue files as the
// console, compiled in custom-element mode so their CSS travels with them as strings (adopted
// as constructable stylesheets by define.ts, never inline <style>). The build fails when the
// gzipped bundle is over the budget (README.md, "Embedding").
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [vue({ features: { customElement: true } }), embedBudget()],
  // The console's pages import vue-router; here they get the in-memory stand-in (router.ts).
  resolve: { alias: { 'vue-router': fileURLToPath(new URL('router.ts', import.meta.url)) } },
  define: {
    'process.env.NODE_ENV': JSON.stringify('production'),
    // Composition API only, no devtools hooks: less for the host page to load.
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  build: {
    outDir: fileURLToPath(new URL('../../dist/embed', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // Lib mode leaves ES output's whitespace unless told.
    minify: true,
    target: 'es2022',
    lib: { entry: fileURLToPath(new URL('main.ts', import.meta.url)), formats: ['es'], fileName: () => 'gatehouse.js' },
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
