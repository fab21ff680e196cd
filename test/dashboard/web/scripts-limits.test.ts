/**
 * The scripts forms' copy of the contract's choices and bounds
 * (dashboard/web/src/views/script-limits.ts) against protocol/schemas/script.ts:
 * the browser bundle does not import the schema, so this keeps them equal.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { INTERPRETERS, KINDS, LIMITS, PARAM_NAME_RE, SCRIPT_ID_RE, STATUSES } from '../../../dashboard/web/src/views/script-limits.js';
import { NAGIOS_STATUSES, PARAM_NAME_PATTERN, SCRIPT_ID_PATTERN, SCRIPT_INTERPRETERS, SCRIPT_KINDS, SCRIPT_LIMITS } from '../../../protocol/schemas/script.js';

test('choices are the schema\'s', () => {
  assert.equal([...INTERPRETERS], [...SCRIPT_INTERPRETERS]);
  assert.equal([...KINDS], [...SCRIPT_KINDS]);
  assert.equal([...STATUSES], [...NAGIOS_STATUSES]);
});

test('bounds are the schema\'s', () => {
  assert.is(LIMITS.bodyBytes, SCRIPT_LIMITS.bodyBytes);
  assert.is(LIMITS.params, SCRIPT_LIMITS.params);
  assert.is(LIMITS.enumValues, SCRIPT_LIMITS.enumValues);
  assert.is(LIMITS.stringChars, SCRIPT_LIMITS.stringChars);
  assert.equal(LIMITS.timeout, SCRIPT_LIMITS.timeout);
  assert.equal(LIMITS.interval, SCRIPT_LIMITS.interval);
});

test('id and parameter name patterns are the schema\'s', () => {
  assert.is(SCRIPT_ID_RE.source, SCRIPT_ID_PATTERN);
  assert.is(PARAM_NAME_RE.source, PARAM_NAME_PATTERN);
});

test.run();
