/**
 * A tiny real HTTP server answering `POST /api/enroll` with the Vigie
 * envelope, standing in for the box's route (written elsewhere) so the
 * agent's side is tested alone: one valid token, a spent one (410), and
 * any other (401). It records what it received.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EnrollRequest { method: string; url: string; contentType: string; body: unknown }

export interface EnrollServer {
  url: string;
  requests: EnrollRequest[];
  close(): Promise<void>;
}

export const VALID_TOKEN = 'vgt_valid-token-1234';
export const SPENT_TOKEN = 'vgt_spent-token-5678';

export async function startEnrollServer(answer: { host: string; broker: string; username: string; password: string; ca: string | null; serverKey?: string }): Promise<EnrollServer> {
  const requests: EnrollRequest[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => { raw += d; });
    req.on('end', () => {
      let body: unknown = null;
      try { body = JSON.parse(raw); } catch { /* recorded as null */ }
      requests.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const token = (body as { token?: unknown } | null)?.token;
      if (req.method !== 'POST' || req.url !== '/api/enroll') {
        // Like a web server that is not the box: no envelope.
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<h1>Not Found</h1>');
        return;
      }
      if (token === VALID_TOKEN) return send(200, { ok: true, data: answer });
      if (token === SPENT_TOKEN) return send(410, { ok: false, error: { code: 'VIGIE_ERR_ENROLL_TOKEN_USED', message: 'this enrollment token was already used; create a new one in the dashboard' } });
      return send(401, { ok: false, error: { code: 'VIGIE_ERR_ENROLL_TOKEN_UNKNOWN', message: 'unknown or expired enrollment token' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
