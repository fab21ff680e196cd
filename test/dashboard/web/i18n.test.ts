import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { en } from '../../../dashboard/web/src/i18n/en.js';
import { fr } from '../../../dashboard/web/src/i18n/fr.js';
import { fillMessage } from '../../../dashboard/web/src/i18n/message.js';

/** The variables a message uses, `{n}` and `{n|one|other}` alike. */
const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)(?:\|[^{}]*)?\}/g)].map((m) => m[1] ?? ''))].sort();

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

test('counts agree in number: no "(s)", and each plural form has its singular and its plural', () => {
  for (const [lang, messages] of [['en', en], ['fr', fr]] as const) {
    for (const [key, text] of Object.entries(messages)) {
      assert.not.ok(/\(s\)/.test(text), `${lang} ${key}: "${text}" writes a plural as "(s)"`);
      for (const m of text.matchAll(/\{(\w+)\|([^{}]*)\}/g)) {
        const forms = (m[2] ?? '').split('|');
        assert.is(forms.length, 2, `${lang} ${key}: {${m[1]}|one|other} has two forms`);
        assert.ok(forms.every((f) => f.trim().length > 0), `${lang} ${key}: no empty form`);
      }
    }
  }
});

test('a count picks its form by the language\'s plural rules', () => {
  const [enRules, frRules] = [new Intl.PluralRules('en-GB'), new Intl.PluralRules('fr-FR')];
  const fill = (text: string, n: number | string, rules: Intl.PluralRules): string => fillMessage(text, { n }, rules);
  assert.is(fill(en['overview.count'], 1, enRules), '1 host');
  assert.is(fill(en['overview.count'], 0, enRules), '0 hosts');
  assert.is(fill(en['overview.count'], 1000, enRules), '1000 hosts');
  // French counts 0 and 1 (and 1.5) as singular.
  assert.is(fill(fr['count.warning'], 0, frRules), '0 chargée');
  assert.is(fill(fr['count.warning'], 1, frRules), '1 chargée');
  assert.is(fill(fr['count.warning'], 2, frRules), '2 chargées');
  assert.is(fill(fr['banner.acked'], 3, frRules), '(3 prises en charge)');
  assert.is(fillMessage(fr['form.fixMany'], { field: 'Nom', n: 2 }, frRules), 'Rien n’est enregistré : corrigez « Nom » et 2 autres champs, signalés dans le formulaire.');
  // The plural can follow another variable than the one shown first.
  assert.is(fillMessage(en['checks.state.partialN'], { down: 1, total: 1 }, enRules), 'Down from 1 of 1 place');
  assert.is(fillMessage(fr['checks.state.partialN'], { down: 2, total: 3 }, frRules), 'En panne depuis 2 endroits sur 3');
  // A number formatted as a string still counts; a missing variable stays visible.
  assert.is(fill(en['chan.attempts'], '1', enRules), '1 attempt');
  assert.is(fillMessage(en['chan.testFailed'], { n: 2 }, enRules), 'Test failed after 2 attempts: {error}');
  assert.is(fillMessage('{n|one|other}', {}, enRules), '{n|one|other}');
});

test.run();
