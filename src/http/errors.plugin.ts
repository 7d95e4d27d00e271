/**
 * The one error handler: AppError, schema failures, body-parser failures and database
 * constraint violations all leave as `{ error: { code, message, details } }`. Anything else is
 * logged and answered as a 500 INTERNAL without internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, type ErrorDetail, errorBody } from '../errors.js';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

function detailPath(issue: ValidationIssue): string {
  const base = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const child =
    typeof issue.params.missingProperty === 'string'
      ? issue.params.missingProperty
      : typeof issue.params.additionalProperty === 'string'
        ? issue.params.additionalProperty
        : '';
  return [base, child].filter((part) => part !== '').join('.');
}

function detailMessage(issue: ValidationIssue): string {
  if (issue.keyword === 'additionalProperties') return 'is not an accepted field';
  if (issue.keyword === 'required') return 'is required';
  return issue.message ?? 'is not valid';
}

export function validationDetails(issues: readonly ValidationIssue[], context: string | undefined): ErrorDetail[] {
  const prefix = context === undefined || context === 'body' ? '' : `${context}.`;
  // A body is checked in full (validation.ts): one detail per field, the first problem found there.
  const byPath = new Map<string, ErrorDetail>();
  for (const issue of issues) {
    const path = `${prefix}${detailPath(issue)}`;
    if (!byPath.has(path)) byPath.set(path, { path, message: detailMessage(issue) });
  }
  return [...byPath.values()];
}

/** PostgreSQL error codes a client can cause, mapped to coded answers (docs/rules.md R42). */
const PG_ERRORS: Record<string, ErrorCode> = {
  '23505': 'CONFLICT',
  '23503': 'REFERENCE_NOT_FOUND',
  '23514': 'VALIDATION_FAILED',
  '22P02': 'VALIDATION_FAILED',
  '22001': 'VALIDATION_FAILED',
  // A NUL byte in a string: PostgreSQL text cannot hold it.
  '22021': 'VALIDATION_FAILED',
};

/**
 * Every error Fastify and its plugins raise on a client's request, each with its own code. An
 * error missing here still leaves coded (see GENERIC_BY_STATUS), and is logged so it gets one.
 */
export const FASTIFY_ERRORS: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'EMPTY_JSON_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'CONTENT_LENGTH_MISMATCH',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: 'CONTENT_TYPE_REQUIRED',
  FST_ERR_BAD_URL: 'INVALID_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'URL_TOO_LONG',
  // @fastify/static, serving the console's files.
  FST_STATIC_FORBIDDEN_PATH: 'PATH_FORBIDDEN',
};

/**
 * A client error nobody mapped keeps its status with a generic code of that status, never a
 * specific one (an unknown 403 is not a rejected cross-site request).
 */
const GENERIC_BY_STATUS: Readonly<Partial<Record<number, ErrorCode>>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'REQUEST_REFUSED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  412: 'PRECONDITION_FAILED',
  413: 'BODY_TOO_LARGE',
  414: 'URL_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  429: 'RATE_LIMITED',
};

function send(reply: FastifyReply, error: AppError) {
  for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
  const body = errorBody(error.code, error.message, error.details);
  return reply.status(error.status).send({ error: { ...body.error, ...error.extra } });
}

/** The coded answer for an error whose code is known (AppError, schema, framework, database), or null. */
function knownError(error: FastifyError & { validation?: ValidationIssue[] }): AppError | null {
  if (error instanceof AppError) return error;
  if (Array.isArray(error.validation)) {
    return new AppError('VALIDATION_FAILED', { details: validationDetails(error.validation, error.validationContext) });
  }
  const fastifyCode = typeof error.code === 'string' ? FASTIFY_ERRORS[error.code] : undefined;
  if (fastifyCode !== undefined) return new AppError(fastifyCode);
  const pgCode = typeof error.code === 'string' ? PG_ERRORS[error.code] : undefined;
  if (pgCode !== undefined) return new AppError(pgCode);
  if (error.statusCode === 429) return new AppError('RATE_LIMITED');
  return null;
}

function isClientError(error: FastifyError): boolean {
  return typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500;
}

/** The coded answer for any error a request raised; null for a server fault (answered 500 INTERNAL). */
export function toAppError(error: FastifyError & { validation?: ValidationIssue[] }): AppError | null {
  const known = knownError(error);
  if (known !== null) return known;
  if (!isClientError(error)) return null;
  return new AppError(GENERIC_BY_STATUS[error.statusCode ?? 400] ?? 'BAD_REQUEST');
}

/**
 * Fastify's `frameworkErrors` option: what the router refuses before any route runs (a path
 * parameter over `maxParamLength`, a malformed URL) leaves in the same shape as everything else.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  void send(reply, toAppError(error) ?? new AppError('VALIDATION_FAILED'));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { validation?: ValidationIssue[] }, request, reply) => {
    const appError = toAppError(error);
    if (appError !== null) {
      if (knownError(error) === null) request.log.warn({ err: error }, 'client error without its own code');
      return send(reply, appError);
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, new AppError('INTERNAL'));
  });
  app.setNotFoundHandler((_request, reply) => send(reply, new AppError('NOT_FOUND')));
}
