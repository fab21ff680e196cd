/**
 * Why one attempt to deliver failed, and whether trying again may help.
 * Messages never carry a secret: no URL (Discord, Slack and Telegram URLs
 * hold the credential), no password.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    /** Network errors, timeouts, 5xx, 408 and 429 are worth retrying; other 4xx are not. */
    readonly retryable: boolean,
    /** The server said when to come back (429 Retry-After). */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Any thrown value as a DeliveryError; unknown errors are retried (a bug in a format is not, but it will fail again and stop). */
export function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  return new DeliveryError(error instanceof Error ? error.message : String(error), true);
}
