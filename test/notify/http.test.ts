import { createServer } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../helpers/env.js';
import { DeliveryError } from '../../notify/delivery-error.js';
import { postHttp } from '../../notify/http.js';

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
  const e = await failure(postHttp(`http://127.0.0.1:${port}/bot123:SECRET/sendMessage`, '{}', {}, 2000));
  assert.instance(e, DeliveryError);
  assert.is(e.retryable, true);
  assert.is(e.message, 'network error: ECONNREFUSED');
});

test('a server that never answers times out, retryably', async () => {
  const server = createServer(() => { /* never answers */ });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    const e = await failure(postHttp(`http://127.0.0.1:${port}/`, '{}', {}, 150));
    assert.equal([e.retryable, e.message], [true, 'no answer within 150 ms']);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('an error body is read only in part and quoted briefly', async () => {
  const server = createServer((_req, res) => res.writeHead(502).end('x'.repeat(1_000_000)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    const e = await failure(postHttp(`http://127.0.0.1:${port}/`, '{}', {}, 2000));
    assert.is(e.retryable, true);
    assert.is(e.message, `HTTP 502: ${'x'.repeat(200)}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test.run();
