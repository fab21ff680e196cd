/**
 * The check form's choices and defaults (dashboard/web/src/views/check-limits.ts)
 * are copies kept out of the browser bundle: they must equal the schema's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CERT_DAYS, DEFAULT_SLA, DOWN_AFTER } from '../../../checks/definition.js';
import { CHECK_KINDS, CHECK_LIMITS, DNS_RECORD_TYPES, HTTP_METHODS, JSON_OPS } from '../../../protocol/schemas/check.js';
import { DEFAULTS, KINDS, METHODS, OPS, RECORD_TYPES } from '../../../dashboard/web/src/views/check-limits.js';

test('the form offers exactly the schema\'s kinds, methods, record types and comparisons', () => {
  assert.equal([...KINDS].sort(), [...CHECK_KINDS].sort());
  assert.equal([...METHODS], [...HTTP_METHODS]);
  assert.equal([...RECORD_TYPES], [...DNS_RECORD_TYPES]);
  assert.equal([...OPS], [...JSON_OPS]);
});

test('the defaults the form shows are the schema\'s', () => {
  assert.equal(DEFAULTS, {
    interval: CHECK_LIMITS.interval.default,
    intervalMin: CHECK_LIMITS.interval.min,
    timeout: CHECK_LIMITS.timeout.default,
    redirects: CHECK_LIMITS.redirects.default,
    bodyBytes: CHECK_LIMITS.bodyBytes.default,
    pingCount: CHECK_LIMITS.pingCount.default,
    downAfter: DOWN_AFTER.default,
    certWarning: CERT_DAYS.warning,
    certCritical: CERT_DAYS.critical,
    sla: DEFAULT_SLA,
  });
});

test.run();
