import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { embedBudget } from './budget.ts';

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
    target: 'es2022',
    // An app build with a script entry rather than lib mode: lib mode's ES output keeps its whitespace.
    modulePreload: false,
    rolldownOptions: {
      input: fileURLToPath(new URL('main.ts', import.meta.url)),
      output: { format: 'es', entryFileNames: 'gatehouse.js', chunkFileNames: 'chunk-[hash].js', assetFileNames: '[name]-[hash][extname]' },
      preserveEntrySignatures: 'exports-only',
      checks: { pluginTimings: false },
    },
  },
});
