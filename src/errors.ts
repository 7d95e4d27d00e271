/**
 * The one catalogue of error codes. Every failure a client can cause has its own code and
 * status here; routes and services throw `new AppError('CODE')` and the error handler in
 * http/errors.plugin.ts turns it into `{ error: { code, message, details } }`.
 */
export const ERRORS = {
  // Generic request errors
  VALIDATION_FAILED: [400, 'The request is not valid.'],
  BAD_REQUEST: [400, 'The request could not be read.'],
  INVALID_JSON: [400, 'The request body is not valid JSON.'],
  EMPTY_JSON_BODY: [400, 'The request says it carries JSON but its body is empty.'],
  CONTENT_LENGTH_MISMATCH: [400, 'The request body does not have the length its Content-Length header says.'],
  CONTENT_TYPE_REQUIRED: [400, 'This request needs a Content-Type header.'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'This endpoint does not accept that content type.'],
  BODY_TOO_LARGE: [413, 'The request body is too large.'],
  NOT_FOUND: [404, 'There is nothing at this address.'],
  INVALID_URL: [400, 'The address is not valid.'],
  URL_TOO_LONG: [414, 'A part of the address is too long.'],
  METHOD_NOT_ALLOWED: [405, 'This method is not allowed here.'],
  PATH_FORBIDDEN: [403, 'This path is not served.'],
  REQUEST_REFUSED: [403, 'The server refused this request.'],
  PRECONDITION_FAILED: [412, 'A precondition of the request does not hold.'],
  RANGE_NOT_SATISFIABLE: [416, 'The requested range is outside the file.'],
  RATE_LIMITED: [429, 'Too many requests; try again later.'],
  CSRF_REJECTED: [403, 'Cross-site request rejected: send JSON from the public origin.'],
  INTERNAL: [500, 'Something went wrong on our side.'],
  NOT_READY: [503, 'The service is not ready.'],
  METRICS_DISABLED: [404, 'Metrics are off on a public HOST until METRICS_TOKEN is set.'],
  METRICS_TOKEN_INVALID: [401, 'Send the metrics token as a bearer token.'],
  CONFLICT: [409, 'The request conflicts with existing data.'],
  REFERENCE_NOT_FOUND: [422, 'A referenced record does not exist.'],

  // Authentication and accounts
  UNAUTHENTICATED: [401, 'Sign in to continue.'],
  FORBIDDEN: [403, 'You do not have permission to do this.'],
  INVALID_CREDENTIALS: [401, 'The email or password is not correct.'],
  ACCOUNT_DISABLED: [403, 'This account is disabled.'],
  EMAIL_NOT_VERIFIED: [403, 'Verify your email address before signing in.'],
  SIGNUP_DISABLED: [403, 'Self-service sign-up is turned off.'],
  EMAIL_TAKEN: [409, 'An account with this email already exists.'],
  INVALID_TOKEN: [400, 'This link is not valid or has expired.'],
  PASSWORD_TOO_SHORT: [400, 'The password must be at least 10 characters.'],
  PASSWORD_TOO_LONG: [400, 'The password must be at most 256 characters.'],
  INVALID_EMAIL: [400, 'This is not a valid email address.'],
  API_KEY_INVALID: [401, 'The API key is not valid or was revoked.'],
  SETUP_ALREADY_DONE: [409, 'The first administrator already exists.'],
  PASSWORD_INCORRECT: [403, 'The password is not correct.'],

  // Organizations, roles, grants
  ORG_NOT_FOUND: [404, 'Organization not found.'],
  ORG_CREATE_FORBIDDEN: [403, 'You may not create organizations.'],
  INVITATION_QUOTA_ABOVE_MAX: [400, 'The hourly invitation quota is above what this instance allows this organization.'],
  LOGO_TOO_LARGE: [413, 'The logo image is larger than 100 KB.'],
  LOGO_TYPE_UNSUPPORTED: [415, 'The logo must be a PNG or JPEG image.'],
  LOGO_NOT_FOUND: [404, 'This organization has no uploaded logo.'],
  RESOURCE_NOT_FOUND: [404, 'Resource not found.'],
  ROLE_NOT_FOUND: [404, 'Role not found.'],
  ROLE_EXISTS: [409, 'A role with this key already exists.'],
  ROLE_BUILT_IN: [409, 'Built-in roles cannot be changed.'],
  ROLE_IN_USE: [409, 'This role is still granted or invited.'],
  UNKNOWN_PERMISSION: [400, 'Unknown permission.'],
  ROLE_NOT_GRANTABLE: [403, 'You cannot grant a role with permissions you do not hold here.'],
  LAST_OWNER: [409, 'An organization must keep at least one owner.'],
  MEMBER_NOT_FOUND: [404, 'This user has no access here.'],
  GRANT_NOT_FOUND: [404, 'Grant not found.'],
  USER_NOT_FOUND: [404, 'User not found.'],
  USER_NOT_ACTIVE: [409, 'Only an active account can be disabled.'],
  CANNOT_DISABLE_SELF: [409, 'You cannot disable your own account.'],
  API_KEY_NOT_FOUND: [404, 'API key not found.'],
  PERMISSION_NOT_GRANTABLE: [403, 'You cannot give a key or role permissions you do not hold.'],
  INVALID_CURSOR: [400, 'The cursor is not valid for this list.'],
  INVALID_DATE_RANGE: [400, 'The start of the date range is after its end.'],

  // People
  PERSON_NOT_FOUND: [404, 'Person not found.'],
  PERSON_EXISTS: [409, 'A person with this email already exists in this organization.'],
  CSV_INVALID: [400, 'The CSV file could not be read.'],
  CSV_TOO_LARGE: [413, 'The CSV file has too many rows.'],
  PERSON_ALREADY_LINKED: [409, 'This user is already linked to another person in this organization.'],

  // Invitations
  RETURN_TO_NOT_ALLOWED: [400, 'The return address is not one the app allows.'],
  INVITATION_NOT_FOUND: [404, 'Invitation not found.'],
  INVITATION_NOT_PENDING: [409, 'This invitation is no longer pending.'],
  INVITATION_ALREADY_ACCEPTED: [409, 'This invitation was already accepted.'],
  INVITATION_DECLINED: [410, 'This invitation was declined.'],
  INVITATION_EXPIRED: [410, 'This invitation has expired.'],
  INVITATION_REVOKED: [410, 'This invitation was revoked.'],
  INVITATION_FAILED: [410, 'This invitation could not be delivered.'],
  INVITATION_NOT_EXPIRED: [409, 'Only an expired invitation can be renewed.'],
  ALREADY_MEMBER: [409, 'This person already has this access.'],
  EMAIL_MISMATCH: [403, 'You are signed in with a different email address than the one invited.'],
  SIGN_IN_REQUIRED: [401, 'Sign in with the invited email address to accept.'],
  ACCOUNT_EXISTS: [409, 'An account with this email already exists: sign in to accept.'],
  TERMS_NOT_ACCEPTED: [400, 'You must accept the terms to register.'],
  RESEND_TOO_SOON: [429, 'This invitation was resent a moment ago; wait before resending.'],
  INVITATION_QUOTA_EXCEEDED: [429, 'This organization has reached its hourly invitation quota.'],
  EXPIRY_OUT_OF_RANGE: [400, 'The expiry is outside the organization’s allowed range.'],
  BULK_TOO_LARGE: [400, 'At most 1,000 invitations per request.'],
  INVITATION_DUPLICATE: [409, 'A pending invitation for this email and scope already exists.'],
  METADATA_TOO_LARGE: [400, 'Invitation metadata must be at most 4 KB of JSON.'],

  // Apps and the OpenID provider
  APP_NOT_FOUND: [404, 'App not found.'],
  APP_URI_INVALID: [400, 'An app URI is not acceptable: absolute http(s), no fragment, plain http only on localhost.'],
  APP_NOT_CONFIDENTIAL: [409, 'Only a confidential app has a secret.'],
  INTERACTION_NOT_FOUND: [404, 'This sign-in request is unknown or has expired: start again from the app.'],
  APP_ACCESS_DENIED: [403, 'Your account has no access to the organization of this app.'],

  // Webhooks and mail
  WEBHOOK_NOT_FOUND: [404, 'Webhook endpoint not found.'],
  WEBHOOK_URL_FORBIDDEN: [400, 'Webhook URLs must be http(s) and not point at a private address.'],
  WEBHOOK_SIGNATURE_INVALID: [401, 'The webhook delivery is not signed by an endpoint of this receiver, or its signature is stale.'],
  UNKNOWN_EVENT_TYPE: [400, 'Unknown event type.'],
  MAILBOX_DISABLED: [404, 'The dev mailbox is off because SMTP_URL is set.'],

  // Widget tokens (embedded elements)
  WIDGET_TOKEN_INVALID: [401, 'The widget token is not valid or has expired: mint a new one.'],
  WIDGET_ORIGIN_REFUSED: [403, "This page's origin is not one of the app's allowed origins."],
  WIDGET_ROUTE_REFUSED: [403, 'A widget token is not accepted on this endpoint.'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

/** The catalogue's codes, in catalogue order (the OpenAPI document's enum of `error.code`). */
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export interface ErrorDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly details: readonly ErrorDetail[];
  /** Extra headers the answer carries (for example `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Extra fields merged into the error object (for example the current state on a 409). */
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(
    readonly code: ErrorCode,
    options: {
      message?: string;
      details?: readonly ErrorDetail[];
      headers?: Record<string, string>;
      extra?: Record<string, unknown>;
    } = {},
  ) {
    const [status, message] = ERRORS[code];
    super(options.message ?? message);
    this.name = 'AppError';
    this.status = status;
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }
}

export function errorBody(code: string, message: string, details: readonly ErrorDetail[] = []) {
  return { error: { code, message, details } };
}
