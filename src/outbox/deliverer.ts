/**
 * What a deliverer is: the part of one outbox kind (email, webhook) that the outbox engine does
 * not know. The engine claims, leases, retries and records; a deliverer sends one claimed row
 * and, when it has something of its own to change with the result (an invitation moving to
 * `sent`), does that in the transaction that records it.
 */
import type { Transaction } from 'kysely';
import type { DB, OutboxKind, OutboxRow } from '../db/schema.js';

export interface Delivered {
  /** The receiver's reply code of the accepted delivery (SMTP 250, HTTP 2xx), when known. */
  responseStatus: number | null;
}

export interface FailureVerdict {
  permanent: boolean;
  message: string;
  responseStatus: number | null;
}

/** A delivery failed: `permanent` fails the row at once, anything else is retried with back-off. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseStatus: number | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface FinalFailure {
  at: Date;
  /** Why delivery gave up (the last reply), already truncated for storage. */
  reason: string;
  attempts: number;
}

export interface Deliverer {
  readonly kind: OutboxKind;
  /**
   * Sends one claimed row. Resolves once the receiver accepted it; rejects otherwise (a
   * `DeliveryError` says whether retrying can help).
   */
  deliver(row: OutboxRow): Promise<Delivered>;
  /** How a rejection of `deliver` counts; without it only a `DeliveryError` can be permanent. */
  classify?(error: unknown): FailureVerdict;
  /**
   * Payload keys a row keeps once it is sent or failed for good (with its message id and
   * `scrubbed: true`); without it the payload is kept whole. An email drops its link this way.
   */
  readonly keepOnDone?: readonly string[];
  /** Changes of the deliverer's own, written with the `sent` record of the rows it `wants`. */
  readonly onSent?: {
    wants(row: OutboxRow): boolean;
    /** All rows of one call were sent at `at`; they are the rows that were recorded (fenced). */
    record(trx: Transaction<DB>, rows: readonly OutboxRow[], at: Date): Promise<void>;
  };
  /** Changes of the deliverer's own, written with the `failed` record of a row it `wants`. */
  readonly onFailed?: {
    wants(row: OutboxRow): boolean;
    record(trx: Transaction<DB>, row: OutboxRow, failure: FinalFailure): Promise<void>;
  };
  /** Releases what the deliverer holds (pooled connections); called when its worker stops. */
  close?(): Promise<void>;
}

/** A failure `classify` does not know: only a DeliveryError says it is permanent. */
export function defaultVerdict(error: unknown): FailureVerdict {
  if (error instanceof DeliveryError) return { permanent: error.permanent, message: truncate(error.message), responseStatus: error.responseStatus };
  return { permanent: false, message: truncate(error instanceof Error ? error.message : 'delivery failed'), responseStatus: null };
}

export function truncate(message: string, max = 500): string {
  return message.length > max ? `${message.slice(0, max - 1)}…` : message;
}
