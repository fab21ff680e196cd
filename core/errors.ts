/**
 * The one error catalogue (STYLE §10). REST responses and MQTT
 * request/response share the envelope below; every code here is documented
 * in docs/api.md (a test checks it).
 */
export const ERRORS = {
  VIGIE_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  VIGIE_ERR_HOST_NOT_FOUND: { status: 404, message: 'No such host' },
  VIGIE_ERR_HOST_OFFLINE: { status: 503, message: 'The host is offline: its agent cannot be asked now' },
  VIGIE_ERR_BAD_REQUEST: { status: 400, message: 'Invalid request' },
  VIGIE_ERR_BAD_HOST_ID: { status: 400, message: 'Invalid host id' },
  VIGIE_ERR_BAD_METRIC: { status: 400, message: 'Unknown metric' },
  VIGIE_ERR_BAD_RANGE: { status: 400, message: 'Invalid time range' },
  VIGIE_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'Payload too large' },
  VIGIE_ERR_UNSUPPORTED_MEDIA: { status: 415, message: 'Expected a JSON body (content-type: application/json)' },
  VIGIE_ERR_UNAUTHENTICATED: { status: 401, message: 'Sign in first' },
  VIGIE_ERR_BAD_LOGIN: { status: 401, message: 'Wrong name or password' },
  VIGIE_ERR_WRONG_PASSWORD: { status: 403, message: 'The current password is wrong' },
  VIGIE_ERR_FORBIDDEN: { status: 403, message: 'Your role does not allow this' },
  VIGIE_ERR_CSRF: { status: 403, message: 'Cross-site request refused' },
  VIGIE_ERR_BAD_SETUP_CODE: { status: 403, message: 'Wrong setup code' },
  VIGIE_ERR_ENROLL_TOKEN: { status: 403, message: 'Enrollment token refused' },
  VIGIE_ERR_SETUP_DONE: { status: 409, message: 'Setup is already done: sign in' },
  VIGIE_ERR_CONFLICT: { status: 409, message: 'Conflicts with the current state' },
  VIGIE_ERR_ACCOUNT_LOCKED: { status: 423, message: 'Account locked after repeated failed logins' },
  VIGIE_ERR_RATE_LIMITED: { status: 429, message: 'Too many attempts: wait and retry' },
  VIGIE_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  VIGIE_ERR_UNAVAILABLE: { status: 503, message: 'Service unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * A wrong field of a request: `field` is its dot-separated JSON path in the
 * request body (`cpu.warning`, `defaults.cpu.warning`), `message` what is
 * wrong with it, without the path.
 */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The envelope. A validation error may add `field` (the first wrong field's
 * path) and `fields` (every wrong field): optional, so older clients that
 * read `code` and `message` see no change.
 */
export type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string; field?: string; fields?: FieldError[] } };

/** An error that carries a catalogue code; the HTTP layer turns it into an envelope. */
export class VigieError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** The wrong fields of a validation error, when it names them (sent as `field`/`fields`). */
  readonly fields: readonly FieldError[];

  constructor(code: ErrorCode, message?: string, fields: readonly FieldError[] = []) {
    super(message ?? ERRORS[code].message);
    this.name = 'VigieError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.fields = fields;
  }
}

export const okEnvelope = <T>(data: T): Envelope<T> => ({ ok: true, data });

export const errorEnvelope = (code: ErrorCode, message?: string, fields: readonly FieldError[] = []): Envelope<never> => ({
  ok: false,
  error: { code, message: message ?? ERRORS[code].message, ...(fields.length > 0 ? { field: fields[0]!.field, fields: [...fields] } : {}) },
});
