#!/usr/bin/env node
// The `gatehouse` command: runs the built CLI (npm run build writes dist/).
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
