export type {
  AttemptOutcome,
  DeliveryAttempt,
  DeliveryStatus,
  LeaseQuery,
  PageQuery,
  StoredWebhook,
  WebhookDelivery,
  WebhookPatch,
  WebhookStore,
} from '../stores/webhook-types.js'
export {
  generateWebhookSecret,
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  WEBHOOK_SECRET_PREFIX,
} from './sign.js'
export {
  type CreatedWebhook,
  type CreateWebhookInput,
  DEFAULT_RETRY_SCHEDULE_MS,
  type ListQuery,
  type UpdateWebhookInput,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
  type WebhookEventType,
  type WebhookPayload,
  type Webhooks,
  type WebhooksOptions,
} from './types.js'
export { checkWebhookUrl, type HostLookup, isPrivateAddress, type WebhookUrlOptions } from './url.js'
export { createWebhooks } from './webhooks.js'
