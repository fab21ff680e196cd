import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ERRORS, VigieError, errorEnvelope, okEnvelope, type ErrorCode, type FieldError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

/** Sends `{ ok: true, data }` with status 200. */
export function sendOk<T>(res: Response, data: T): void {
  res.status(200).json(okEnvelope(data));
}

/** Sends `{ ok: false, error }` with the catalogue's status for `code` (and the wrong fields, when known). */
export function sendError(res: Response, code: ErrorCode, message?: string, fields: readonly FieldError[] = []): void {
  res.status(ERRORS[code].status).json(errorEnvelope(code, message, fields));
}

/** Unknown routes under /api: a 404 envelope naming the path, never express's HTML page. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, 'VIGIE_ERR_NOT_FOUND', `No API route for ${req.method} ${req.path.slice(0, 200)}`);
};

/**
 * Turns any thrown error into an envelope. VigieErrors carry their code;
 * express's own client errors (a malformed %-escape in the path) become 400;
 * anything else is a bug: logged with its stack, answered without it.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof VigieError) {
      sendError(res, error.code, error.message, error.fields);
      return;
    }
    // A full disk is not a bug: reads go on, writes answer 503 with the reason (issue 10, item 16).
    if ((error as { code?: unknown })?.code === 'SQLITE_FULL') {
      sendError(res, 'VIGIE_ERR_UNAVAILABLE', 'Storage full: the server cannot save this change now; reading still works. Free disk space and retry');
      return;
    }
    const status = typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : 500;
    if (status >= 400 && status < 500) {
      sendError(res, status === 413 ? 'VIGIE_ERR_PAYLOAD_TOO_LARGE' : 'VIGIE_ERR_BAD_REQUEST', status === 413 ? undefined : `Malformed request: ${(error as Error).message}`);
      return;
    }
    log.error({ err: error, method: req.method, path: req.path }, 'API handler failed');
    sendError(res, 'VIGIE_ERR_INTERNAL');
  };
}
