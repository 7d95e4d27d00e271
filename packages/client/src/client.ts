/**
 * The Gatehouse API client: openapi-fetch typed by the generated contract (generated/openapi.ts),
 * authenticated with an API key (`gh_…`) or a widget token (`ghw_…`) as a bearer token, never a
 * cookie. `get`/`post`/`put`/`patch`/`delete` answer the typed body of a success and throw a
 * GatehouseError carrying the answer's error code; `raw` is the underlying openapi-fetch client for
 * callers who prefer `{ data, error, response }`.
 */
import createFetchClient, { type Client, type ClientPathsWithMethod, type FetchResponse, type MaybeOptionalInit } from 'openapi-fetch';
import type { HttpMethod, MediaType, RequiredKeysOf } from 'openapi-typescript-helpers';
import type { components, ErrorCode, OperationErrorCodes, paths } from './generated/openapi.js';

export type { components, ErrorCode, OperationErrorCodes, paths };

/** The prefixes of the two kinds of bearer token Gatehouse accepts from an integration. */
const TOKEN_PREFIXES = ['gh_', 'ghw_'] as const;

/** A code of the client's own, for an answer that is not a Gatehouse error (a proxy's 502 page). */
export type ClientErrorCode = ErrorCode | 'UNEXPECTED_RESPONSE';

/** The codes one operation declares, e.g. `ErrorCodeOf<'post', '/api/v1/orgs/{orgId}/invitations'>`. */
export type ErrorCodeOf<M extends HttpMethod, P extends keyof OperationErrorCodes> = M extends keyof OperationErrorCodes[P]
  ? OperationErrorCodes[P][M]
  : never;

export type ErrorDetail = components['schemas']['Error']['error']['details'][number];

/** An error answer of the API, or an answer the client could not read as one. */
export class GatehouseError<C extends ClientErrorCode = ClientErrorCode> extends Error {
  override readonly name = 'GatehouseError';
  /** Seconds to wait before trying again, when the server said (429 RATE_LIMITED, 503). */
  readonly retryAfter: number | null;

  constructor(
    readonly status: number,
    readonly code: C,
    message: string,
    /** Per-field problems of a VALIDATION_FAILED answer (`path` names the field, e.g. `role`). */
    readonly details: readonly ErrorDetail[],
    readonly response: Response,
  ) {
    super(message);
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
    this.retryAfter = Number.isFinite(retryAfter) ? retryAfter : null;
  }
}

/**
 * Whether `error` is a GatehouseError, with one of `codes` when any are given; narrows the code:
 * `if (isGatehouseError(error, 'PERSON_NOT_FOUND', 'ORG_NOT_FOUND')) …`.
 */
export function isGatehouseError<C extends ClientErrorCode = ClientErrorCode>(error: unknown, ...codes: C[]): error is GatehouseError<C> {
  if (!(error instanceof GatehouseError)) return false;
  const { code } = error as { code: unknown };
  return codes.length === 0 || (codes as readonly unknown[]).includes(code);
}

export interface GatehouseClientOptions {
  /** Where Gatehouse is served (its PUBLIC_URL), e.g. `https://gatehouse.example.com`. */
  baseUrl: string;
  /** An API key of an org (`gh_…`) or a widget token (`ghw_…`), sent as `Authorization: Bearer`. */
  token: string;
  /** A fetch to use instead of `globalThis.fetch` (a proxy agent, retries, tests). */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers added to every request (a `User-Agent` naming your integration). */
  headers?: Record<string, string>;
}

type Api = Client<paths>;
/** openapi-fetch's rule for the second argument: optional when nothing in it is required. */
type InitParam<Init> = RequiredKeysOf<Init> extends never ? [(Init & Record<string, unknown>)?] : [Init & Record<string, unknown>];
/** The body of an operation's success (undefined for a 204). */
type SuccessData<Operation, Init> = Extract<
  FetchResponse<Operation & Record<string | number, unknown>, Init, MediaType>,
  { error?: never }
>['data'];

/** One HTTP method of the client: typed path, typed params and body, the success body answered. */
export type CallMethod<M extends HttpMethod> = <P extends ClientPathsWithMethod<Api, M>, I extends MaybeOptionalInit<paths[P], M>>(
  path: P,
  ...init: InitParam<I>
) => Promise<SuccessData<paths[P][M], I>>;

type MintBody = paths['/api/v1/orgs/{orgId}/widget-tokens']['post']['requestBody']['content']['application/json'];
/** What `mintWidgetToken` asks for: the org, the app whose pages embed the elements, the user they act for. */
export type WidgetTokenRequest = { orgId: string } & MintBody;
export type WidgetToken = components['schemas']['WidgetToken'];

export interface GatehouseClient {
  readonly get: CallMethod<'get'>;
  readonly post: CallMethod<'post'>;
  readonly put: CallMethod<'put'>;
  readonly patch: CallMethod<'patch'>;
  readonly delete: CallMethod<'delete'>;
  /**
   * Mints a short-lived widget token (`ghw_…`) for Gatehouse's embedded elements on your app's
   * pages, acting as `userId` (API key only). `scopes` are Gatehouse permission names; the answer's
   * `scopes` are those the token really allows: the requested ones that both the API key and the
   * user hold (at `resourceId` when given, and then only there). `ttlSeconds`: default 600, at most 900.
   */
  mintWidgetToken(request: WidgetTokenRequest): Promise<WidgetToken>;
  /** The openapi-fetch client underneath (same authentication): answers `{ data, error, response }`. */
  readonly raw: Api;
}

export function createGatehouseClient(options: GatehouseClientOptions): GatehouseClient {
  if (!TOKEN_PREFIXES.some((prefix) => options.token.startsWith(prefix))) {
    throw new TypeError('Gatehouse: `token` must be an API key (gh_…) or a widget token (ghw_…)');
  }
  const raw = createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    // Bearer tokens only: a browser must not attach a session cookie of Gatehouse's own origin.
    credentials: 'omit',
    headers: { ...options.headers, authorization: `Bearer ${options.token}` },
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const call = (method: HttpMethod) =>
    (async (path: string, init?: Record<string, unknown>) => {
      const request = raw.request as (method: HttpMethod, path: string, init?: Record<string, unknown>) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
      const { data, error, response } = await request(method, path, init);
      if (!response.ok) throw errorOf(response, error);
      return data;
    }) as never;
  const post: CallMethod<'post'> = call('post');
  return {
    get: call('get'),
    post,
    put: call('put'),
    patch: call('patch'),
    delete: call('delete'),
    mintWidgetToken: ({ orgId, ...body }) => post('/api/v1/orgs/{orgId}/widget-tokens', { params: { path: { orgId } }, body }),
    raw,
  };
}

/** The GatehouseError of an error answer: `{ error: { code, message, details } }`, or UNEXPECTED_RESPONSE. */
function errorOf(response: Response, body: unknown): GatehouseError {
  const error = typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined;
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') {
    const { code, message, details } = error as { code: ErrorCode; message?: unknown; details?: unknown };
    return new GatehouseError(response.status, code, typeof message === 'string' ? message : code, Array.isArray(details) ? (details as ErrorDetail[]) : [], response);
  }
  return new GatehouseError(response.status, 'UNEXPECTED_RESPONSE', `Gatehouse answered HTTP ${String(response.status)} without an error code`, [], response);
}
