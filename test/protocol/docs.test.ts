import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderProtocolDoc } from '../../protocol/docs.js';

test('docs/protocol.md is generated from the current schemas (run `npm run docs`)', () => {
  const onDisk = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  assert.ok(onDisk === renderProtocolDoc(), 'docs/protocol.md is stale: run `npm run docs` and commit it');
  assert.match(onDisk, /"\$id": "metrics"/);
});

test.run();
