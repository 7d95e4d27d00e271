/**
 * What a background worker is (the outbox dispatcher, the invitation maintenance): features
 * declare their workers with this; the composition root (`workers.ts`) lists the ones
 * `gatehouse serve` runs. Each worker is safe to run on several instances against one database.
 */
import type { FastifyBaseLogger } from 'fastify';

export interface Worker {
  readonly name: string;
  /** Stops taking new work and resolves when the work in hand is finished. */
  stop(): Promise<void>;
}

/** Runs `tick` every `intervalMs` (never overlapping itself) until stopped. */
export function intervalWorker(
  name: string,
  ctx: { readonly log: FastifyBaseLogger },
  intervalMs: number,
  tick: () => Promise<unknown>,
): Worker {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const loop = () => {
    if (stopped) return;
    running = tick()
      .catch((error: unknown) => {
        ctx.log.error({ err: error, worker: name }, 'worker tick failed');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  timer = setTimeout(loop, 0);
  return {
    name,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
