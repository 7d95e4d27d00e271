/**
 * The console's one way to call the API: openapi-fetch typed by the served contract, and
 * `unwrap`, which turns an error answer into an ApiError carrying the API's code, a message
 * for people, and per-field messages from `details` (so forms show them beside the field).
 */
import createClient from 'openapi-fetch';
import type { paths as AllPaths, components } from './schema';

/**
 * How a request leaves. The console sends it as built (same origin, the session cookie); the
 * embeddable elements (web/embed) replace it with one that sends it to their Gatehouse with a
 * widget token, so the same components serve both.
 */
export type Transport = (request: Request) => Promise<Response>;
let transport: Transport = (request) => globalThis.fetch(request);
export function setTransport(next: Transport): void {
  transport = next;
}

export const api = createClient<AllPaths>({ baseUrl: '', credentials: 'same-origin', fetch: (request) => transport(request) });

type ErrorAnswer = components['schemas']['Error'];
/** The API's error codes: the catalogue, as the served contract enumerates `error.code`. */
export type ErrorCode = ErrorAnswer['error']['code'];
/** The console's own codes: the server was not reached, or answered without a code. */
export type ConsoleCode = ErrorCode | 'NETWORK' | 'UNKNOWN';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/**
 * The API refuses a cookie-authenticated unsafe request that does not declare
 * `Content-Type: application/json` (a cross-site page could send it). openapi-fetch declares it
 * only with a body, so a body-less POST or DELETE is sent with it and `{}` as its body.
 */
api.use({
  onRequest({ request }) {
    if (!UNSAFE.has(request.method) || request.headers.has('content-type')) return undefined;
    const headers = new Headers(request.headers);
    headers.set('content-type', 'application/json');
    return new Request(request, { headers, body: '{}' });
  },
});

/** Field path → message. */
export type FieldErrors = Record<string, string>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ConsoleCode,
    message: string,
    readonly fields: FieldErrors = {},
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Plainer words than the API's for the codes people meet in the console. */
const MESSAGES: Partial<Record<ConsoleCode, string>> = {
  VALIDATION_FAILED: 'Please correct the highlighted fields.',
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  UNAUTHENTICATED: 'Your session has ended. Sign in again.',
  FORBIDDEN: 'You do not have permission to do this here.',
  RATE_LIMITED: 'Too many attempts. Wait a minute and try again.',
  CSRF_REJECTED: 'The request was blocked. Reload the page and try again.',
  INTERNAL: 'Something went wrong on the server. Try again in a moment.',
  NETWORK: 'The server cannot be reached. Check your connection and try again.',
  ALREADY_MEMBER: 'This person already has this access.',
  ROLE_NOT_GRANTABLE: 'You cannot give a role with more permissions than you hold here.',
  RESEND_TOO_SOON: 'This invitation was just sent. Wait a minute before resending.',
  EMAIL_MISMATCH: 'You are signed in with a different email address than the one invited.',
  ACCOUNT_EXISTS: 'An account with this email already exists. Sign in to accept.',
  LAST_OWNER: 'An organization must keep at least one owner.',
  SIGNUP_DISABLED: 'Sign-up is turned off here. Ask an administrator to invite you.',
  ROLE_IN_USE: 'This role is still held by someone or offered in a pending invitation. Change their role or revoke those invitations first, then delete it.',
};

/** Field messages: the API says "must match format email"; people read "Enter a valid email address." */
function fieldMessage(path: string, message: string): string {
  if (message === 'is required') return 'This field is required.';
  if (/format "?email/.test(message) || (path.endsWith('email') && message.includes('format'))) {
    return 'Enter a valid email address.';
  }
  if (message.includes('must match pattern "\\S"')) return 'This field cannot be blank.';
  if (/must NOT have fewer than (\d+)/.test(message)) {
    const n = /(\d+)/.exec(message)?.[1] ?? '';
    return n === '1' ? 'This field is required.' : `Use at least ${n} characters.`;
  }
  if (/must NOT have more than (\d+)/.test(message)) return `Use at most ${/(\d+)/.exec(message)?.[1] ?? ''} characters.`;
  const bound = /^must be (<=|>=) (-?\d+)$/.exec(message);
  if (bound !== null) return bound[1] === '<=' ? `Use a number no greater than ${bound[2] ?? ''}.` : `Use a number no smaller than ${bound[2] ?? ''}.`;
  return message.charAt(0).toUpperCase() + message.slice(1) + (message.endsWith('.') ? '' : '.');
}

/** Field-level codes map to the field they concern, so the message appears beside it. */
const CODE_FIELDS: Partial<Record<ErrorCode, string>> = {
  INVALID_EMAIL: 'email',
  EMAIL_TAKEN: 'email',
  PERSON_EXISTS: 'email',
  PASSWORD_TOO_SHORT: 'password',
  PASSWORD_TOO_LONG: 'password',
  TERMS_NOT_ACCEPTED: 'acceptTerms',
  EXPIRY_OUT_OF_RANGE: 'expiresAt',
  ROLE_EXISTS: 'key',
  UNKNOWN_PERMISSION: 'permissions',
  WEBHOOK_URL_FORBIDDEN: 'url',
  UNKNOWN_EVENT_TYPE: 'events',
};

interface ErrorShape {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

export function toApiError(status: number, body: unknown, retryAfter: string | null = null): ApiError {
  const error = (body as ErrorShape | null)?.error;
  // The contract enumerates `error.code`: a string there is one of the catalogue's codes.
  const code: ConsoleCode = typeof error?.code === 'string' ? (error.code as ErrorCode) : status >= 500 ? 'INTERNAL' : 'UNKNOWN';
  const serverMessage = typeof error?.message === 'string' ? error.message : `Request failed (${String(status)}).`;
  const fields: FieldErrors = {};
  if (Array.isArray(error?.details)) {
    for (const detail of error.details as { path?: unknown; message?: unknown }[]) {
      if (typeof detail.path === 'string' && typeof detail.message === 'string' && fields[detail.path] === undefined) {
        fields[detail.path] = fieldMessage(detail.path, detail.message);
      }
    }
  }
  const field = code === 'UNKNOWN' ? undefined : CODE_FIELDS[code];
  if (field !== undefined && fields[field] === undefined) fields[field] = serverMessage;
  const seconds = retryAfter === null ? null : Number(retryAfter);
  return new ApiError(status, code, MESSAGES[code] ?? serverMessage, fields, Number.isFinite(seconds) ? seconds : null);
}

let onUnauthenticated: (() => void) | null = null;
/** Called when a console call finds the session gone (the session store sends the user to sign in). */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

type Result<D> = { data?: D; error?: unknown; response: Response };

/** Awaits an openapi-fetch call; returns its data or throws an ApiError. */
export async function unwrap<D>(call: Promise<Result<D>>): Promise<D> {
  let result: Result<D>;
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'NETWORK', MESSAGES.NETWORK ?? 'Network error.');
  }
  const { response } = result;
  if (response.ok) return result.data as D;
  const error = toApiError(response.status, result.error, response.headers.get('retry-after'));
  if (error.code === 'UNAUTHENTICATED') onUnauthenticated?.();
  return Promise.reject(error);
}

/** The message to show for anything thrown by an API call. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : 'Something went wrong.';
}

export function fieldsOf(error: unknown): FieldErrors {
  return error instanceof ApiError ? error.fields : {};
}

export function codeOf(error: unknown): ConsoleCode | null {
  return error instanceof ApiError ? error.code : null;
}
