/**
 * @gatehouse/client: a typed client of the Gatehouse HTTP API, generated from its OpenAPI
 * document, and the verification of its webhook deliveries. README.md shows how to use it.
 */
export {
  createGatehouseClient,
  GatehouseError,
  isGatehouseError,
  type CallMethod,
  type ClientErrorCode,
  type components,
  type ErrorCode,
  type ErrorCodeOf,
  type ErrorDetail,
  type GatehouseClient,
  type GatehouseClientOptions,
  type OperationErrorCodes,
  type paths,
  type WidgetToken,
  type WidgetTokenRequest,
} from './client.js';
export {
  verifyWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
  WebhookVerificationError,
  type WebhookEvent,
  type WebhookEventData,
  type WebhookFailure,
  type WebhookHeaders,
} from './webhooks.js';
