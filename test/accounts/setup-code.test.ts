/**
 * The first-start setup code: readable format, forgiving comparison (case,
 * spaces, dashes), strict about everything else.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateSetupCode, setupCodeMatches } from '../../accounts/setup-code.js';

// Crockford's base32 without I, L, O, U.
const FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

test('codes look like XXXX-XXXX-XXXX from the unambiguous alphabet', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 500; i += 1) {
    const code = generateSetupCode();
    assert.match(code, FORMAT);
    assert.not.match(code, /[ILOU]/);
    seen.add(code);
  }
  assert.is(seen.size, 500, 'no two codes alike');
  // Over 500 codes × 12 characters every one of the 32 symbols shows up: the whole alphabet is used.
  const symbols = new Set([...seen].join('').replace(/-/g, ''));
  assert.is(symbols.size, 32);
});

test('two codes differ', () => {
  assert.is.not(generateSetupCode(), generateSetupCode());
});

test('matching ignores case, spaces and dashes', () => {
  const code = generateSetupCode();
  const bare = code.replace(/-/g, '');
  assert.ok(setupCodeMatches(code, code));
  assert.ok(setupCodeMatches(code.toLowerCase(), code));
  assert.ok(setupCodeMatches(bare, code));
  assert.ok(setupCodeMatches(` ${bare.slice(0, 4)} ${bare.slice(4, 8)}\t${bare.slice(8)} `, code));
  assert.ok(setupCodeMatches(bare.split('').join('-'), code));
});

test('a wrong code, a partial code and over-long input are refused', () => {
  const code = generateSetupCode();
  const bare = code.replace(/-/g, '');
  const last = bare.at(-1)!;
  const changed = bare.slice(0, -1) + (last === '0' ? '1' : '0');
  assert.not.ok(setupCodeMatches(changed, code), 'one character off');
  assert.not.ok(setupCodeMatches(bare.slice(0, 11), code), 'one character short');
  assert.not.ok(setupCodeMatches(`${bare}0`, code), 'one character more');
  assert.not.ok(setupCodeMatches('', code));
  assert.not.ok(setupCodeMatches(generateSetupCode(), code), 'another code');
  // Over 64 characters is refused outright, so the comparison's cost stays bounded.
  assert.not.ok(setupCodeMatches(`${code}${'-'.repeat(100)}`, code), 'the right code padded past 64 characters');
  assert.not.ok(setupCodeMatches(`${' '.repeat(60)}${code}`, code), 'leading spaces past 64 characters in all');
  assert.ok(setupCodeMatches(code.padEnd(64, ' '), code), 'exactly 64 characters is still read');
  assert.not.ok(setupCodeMatches(code.padEnd(65, ' '), code), '65 is not');
  assert.not.ok(setupCodeMatches('x'.repeat(100_000), code));
  assert.not.ok(setupCodeMatches('é'.repeat(12), code), 'non-ASCII input of the same length in characters');
});

test.run();
