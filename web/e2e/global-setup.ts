/**
 * The browser suite's global setup: the data directories its servers start from, made once per
 * run. `migrated` is an empty embedded database with every migration applied; `demo` is a copy
 * of it with the demo loaded. A server copies one (`Server.create`) instead of migrating, or
 * loading the demo, for itself.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { embeddedEnv, gatehouse } from './cli.js';

export type DataTemplate = 'migrated' | 'demo';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder holding one data directory per DataTemplate. */
    e2eDataTemplates: string;
  }
}

let dir = '';

export async function setup(project: TestProject): Promise<void> {
  dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-e2e-templates-'));
  const migrated = path.join(dir, 'migrated');
  await gatehouse(['migrate'], embeddedEnv(migrated, {}));
  const demo = path.join(dir, 'demo');
  await cp(migrated, demo, { recursive: true });
  await gatehouse(['demo'], embeddedEnv(demo, {}));
  project.provide('e2eDataTemplates', dir);
}

export async function teardown(): Promise<void> {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
}
