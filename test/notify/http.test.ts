import { createServer } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../helpers/env.js';
import { createOutboundGuard } from '../../core/outbound-guard.js';
import { DeliveryError } from '../../notify/delivery-error.js';
import { postHttp } from '../../notify/http.js';

/** These servers listen on 127.0.0.1: allowed explicitly, as the SSRF guard refuses it by default. */
const opts = (timeoutMs: number) => ({ field: 'url', timeoutMs, guard: createOutboundGuard(['127.0.0.1']) });

const failure = async (p: Promise<unknown>): Promise<DeliveryError> => {
  try {
    await p;
  } catch (error) {
    return error as DeliveryError;
  }
  throw new Error('did not fail');
};

test('a refused connection is retryable and its message names the cause, not the URL', async () => {
  const port = await freePort();
  const e = await failure(postHttp(`http://127.0.0.1:${port}/bot123:SECRET/sendMessage`, '{}', {}, opts(2000)));
  assert.instance(e, DeliveryError);
  assert.is(e.retryable, true);
  assert.is(e.message, 'network error: ECONNREFUSED');
});

test('a server that never answers times out, retryably', async () => {
  const server = createServer(() => { /* never answers */ });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    const e = await failure(postHttp(`http://127.0.0.1:${port}/`, '{}', {}, opts(150)));
    assert.equal([e.retryable, e.message], [true, 'no answer within 150 ms']);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('an error answer is reported by its status only: its body is never quoted (it may be an internal page)', async () => {
  const server = createServer((_req, res) => res.writeHead(502).end(`internal-admin-page ${'x'.repeat(1_000_000)}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    const e = await failure(postHttp(`http://127.0.0.1:${port}/`, '{}', {}, opts(2000)));
    assert.is(e.retryable, true);
    assert.is(e.message, 'HTTP 502');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test.run();
