import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRORS } from '../../core/errors.js';
import { METRICS } from '../../protocol/metric-series.js';
import { RANGES } from '../../dashboard/server/history-query.js';

// dist/test/dashboard/docs.test.js → the repository's docs/api.md
const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');

test('every error code of core/errors.ts is documented in docs/api.md with its status', () => {
  for (const [code, { status }] of Object.entries(ERRORS)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    assert.ok(row, `${code} has a row in the error table`);
    assert.ok(row.includes(`| ${status} |`), `${code} row says HTTP ${status}`);
  }
});

test('every endpoint, metric and range is documented', () => {
  for (const endpoint of ['GET /api/health', 'GET /api/hosts`', 'GET /api/hosts/:id`', 'GET /api/hosts/:id/series', 'GET /api/hosts/:id/history']) {
    assert.ok(doc.includes(endpoint), endpoint);
  }
  for (const metric of Object.keys(METRICS)) assert.ok(doc.includes(`\`${metric}\``), metric);
  for (const range of Object.keys(RANGES)) assert.ok(doc.includes(`\`${range}\``), range);
  for (const event of ['overview', 'overview:leave', 'subscribe', 'unsubscribe', 'hosts', 'sample', 'status', 'services']) {
    assert.ok(doc.includes(`| \`${event}\` |`), `socket event ${event}`);
  }
});

test.run();
