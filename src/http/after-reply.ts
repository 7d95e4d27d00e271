/**
 * Work a route does after its answer is on the wire, for answers that must not depend on what
 * the work finds (sign-up and password reset answer 202 the same way whether or not an account
 * exists, so they answer first and look second). Tasks run one at a time in arrival order; a
 * failure is logged, never sent to the caller, who already has the answer.
 */
import { finished } from 'node:stream/promises';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';

export class AfterReply {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly log: FastifyBaseLogger) {}

  /** Queues `task`; it starts once the previous tasks are done. */
  run(task: () => Promise<unknown>): void {
    this.tail = this.tail.then(task).then(
      () => undefined,
      (error: unknown) => {
        this.log.error({ err: error }, 'work after a reply failed');
      },
    );
  }

  /**
   * Queues `task` to start once `reply` has been sent. Call it before sending, so the task is
   * queued by the time the caller has its answer.
   */
  afterSending(reply: FastifyReply, task: () => Promise<unknown>): void {
    const sent = finished(reply.raw).catch(() => undefined);
    this.run(async () => {
      await sent;
      await task();
    });
  }

  /** Resolves once every task queued so far is done (shutdown and tests wait on it). */
  async settled(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.tail;
      await tail;
    } while (tail !== this.tail);
  }
}
