/**
 * Background work that `gatehouse serve` runs beside the HTTP server (the mail dispatcher,
 * the expiry sweep). Each worker is safe to run on several instances against one database.
 */
import type { AppContext } from './context.js';
import { invitationMaintenanceWorker } from './invitations/invitation.workers.js';
import { mailDispatcherWorker } from './mail/dispatcher.worker.js';

export interface Worker {
  readonly name: string;
  /** Stops taking new work and resolves when the work in hand is finished. */
  stop(): Promise<void>;
}

export type WorkerFactory = (ctx: AppContext) => Worker;

/** Runs `tick` every `intervalMs` (never overlapping itself) until stopped. */
export function intervalWorker(
  name: string,
  ctx: AppContext,
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

export const workerFactories: WorkerFactory[] = [mailDispatcherWorker, invitationMaintenanceWorker];
