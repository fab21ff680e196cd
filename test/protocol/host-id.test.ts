import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isHostId, normaliseHostId } from '../../protocol/host-id.js';

const mapped = (raw: string): string => {
  const r = normaliseHostId(raw);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

test('MyPC and mypc are one host', () => {
  assert.is(mapped('MyPC'), 'mypc');
  assert.is(mapped('mypc'), mapped('MYPC'));
});

test('MQTT wildcards, separators and spaces never survive', () => {
  for (const raw of ['a/b', 'a+b', 'a#b', 'lab pc 1', 'x\u0000y', 'vigie/+/#']) {
    const id = mapped(raw);
    assert.ok(isHostId(id), `${raw} -> ${id}`);
    assert.not.match(id, /[+#/\s\u0000]/);
  }
  assert.is(mapped('lab pc 1'), 'lab-pc-1');
});

test('keeps dots, dashes and underscores; strips accents', () => {
  assert.is(mapped('web-01.lab_a.example'), 'web-01.lab_a.example');
  assert.is(mapped('Poste-Élève'), 'poste-eleve');
});

test('an id must start with a letter or digit and is cut to 63 characters', () => {
  assert.is(mapped('--_.pc'), 'pc');
  const long = mapped('a'.repeat(200));
  assert.is(long.length, 63);
  assert.ok(isHostId(long));
});

test('nothing usable is an error naming the field', () => {
  for (const raw of ['', '___', '+#/', '   ']) {
    const r = normaliseHostId(raw);
    assert.is(r.ok, false, raw);
    if (!r.ok) assert.match(r.error, /^host id:/);
  }
});

test('isHostId accepts only canonical ids', () => {
  assert.ok(isHostId('pc1'));
  for (const bad of ['PC1', '_server', '-a', '', 'a/b', 'a+', 'a'.repeat(64)]) assert.is(isHostId(bad), false, bad);
});

test.run();
