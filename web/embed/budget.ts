/**
 * The embed bundle's size budget: after the build, prints each emitted file's gzipped size and
 * fails the build when their total is over BUDGET_BYTES (stated in README.md, "Embedding": the
 * elements are loaded by other people's pages, so every kilobyte is theirs to pay).
 */
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

export const BUDGET_BYTES = 60 * 1024;

export function embedBudget(budget = BUDGET_BYTES): Plugin {
  return {
    name: 'gatehouse-embed-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      let total = 0;
      for (const [name, file] of Object.entries(bundle)) {
        const bytes = file.type === 'chunk' ? file.code : file.source;
        const size = gzipSync(typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes)).length;
        total += size;
        console.log(`embed: ${name} ${(size / 1024).toFixed(1)} KB gzipped`);
      }
      const line = `embed: total ${(total / 1024).toFixed(1)} KB gzipped (budget ${(budget / 1024).toFixed(0)} KB)`;
      if (total > budget) this.error(`${line}: over budget`);
      console.log(line);
    },
  };
}
