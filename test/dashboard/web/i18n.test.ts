import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { en } from '../../../dashboard/web/src/i18n/en.js';
import { fr } from '../../../dashboard/web/src/i18n/fr.js';

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

test('French has exactly the English keys, none empty', () => {
  assert.equal(Object.keys(fr).sort(), Object.keys(en).sort());
  for (const [key, text] of Object.entries(fr)) assert.ok(text.trim().length > 0, `fr ${key} is empty`);
});

test('each translation keeps the placeholders of the English string', () => {
  for (const [key, text] of Object.entries(en)) {
    assert.equal(placeholders(fr[key as keyof typeof en]), placeholders(text), `placeholders of ${key}`);
  }
});

test('unit lists have the same length in both languages', () => {
  assert.is(fr['units.bytes'].split(',').length, en['units.bytes'].split(',').length);
});

test.run();
