/**
 * The one error handler: AppError, schema failures, body-parser failures and database
 * constraint violations all leave as `{ error: { code, message, details } }`. Anything else is
 * logged and answered as a 500 INTERNAL without internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, type ErrorDetail, ERRORS, errorBody } from '../errors.js';

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
  return issues.map((issue) => ({ path: `${prefix}${detailPath(issue)}`, message: detailMessage(issue) }));
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

const FASTIFY_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_BAD_URL: 'INVALID_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'URL_TOO_LONG',
};

function send(reply: FastifyReply, error: AppError) {
  for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
  const body = errorBody(error.code, error.message, error.details);
  return reply.status(error.status).send({ error: { ...body.error, ...error.extra } });
}

export function toAppError(error: FastifyError & { validation?: ValidationIssue[] }): AppError | null {
  if (error instanceof AppError) return error;
  if (Array.isArray(error.validation)) {
    return new AppError('VALIDATION_FAILED', { details: validationDetails(error.validation, error.validationContext) });
  }
  const fastifyCode = FASTIFY_ERRORS[error.code];
  if (fastifyCode !== undefined) return new AppError(fastifyCode);
  if (error instanceof SyntaxError && error.statusCode === 400) return new AppError('INVALID_JSON');
  const pgCode = 'code' in error && typeof error.code === 'string' ? PG_ERRORS[error.code] : undefined;
  if (pgCode !== undefined) return new AppError(pgCode);
  if (error.statusCode === 429) return new AppError('RATE_LIMITED');
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    const status = error.statusCode;
    const code = (Object.keys(ERRORS) as ErrorCode[]).find((key) => ERRORS[key][0] === status) ?? 'VALIDATION_FAILED';
    return new AppError(code);
  }
  return null;
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
    if (appError !== null) return send(reply, appError);
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, new AppError('INTERNAL'));
  });
  app.setNotFoundHandler((_request, reply) => send(reply, new AppError('NOT_FOUND')));
}
