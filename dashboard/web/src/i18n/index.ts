import { en, type MessageKey, type Messages } from './en.js';
import { fr } from './fr.js';
import { fillMessage } from './message.js';

export type { MessageKey } from './en.js';

export const LANGUAGES = { en: { name: 'English', messages: en as Messages }, fr: { name: 'Français', messages: fr } } as const;
export type Lang = keyof typeof LANGUAGES;

const STORAGE_KEY = 'vigie.lang';
const listeners = new Set<() => void>();

function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && Object.hasOwn(LANGUAGES, value);
}

/** The saved choice, else the browser's language, else English. */
function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLang(saved)) return saved;
  } catch {
    // storage may be disabled (private mode): fall through
  }
  const nav = (navigator.language || 'en').slice(0, 2).toLowerCase();
  return isLang(nav) ? nav : 'en';
}

let current: Lang = initialLang();

export const getLang = (): Lang => current;

/** A BCP 47 locale for Intl formatting. */
export const locale = (): string => (current === 'fr' ? 'fr-FR' : 'en-GB');

/** Switches language, saves the choice and tells every view to re-render its text. */
export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not persisted; still switched for this page
  }
  document.documentElement.lang = lang;
  for (const cb of listeners) cb();
}

/** Called after every language switch; returns an unsubscribe function. */
export function onLangChange(cb: () => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

/** The message for `key` with its `{name}` and `{name|one|other}` placeholders filled (i18n/message.ts). */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return fillMessage(LANGUAGES[current].messages[key], vars, pluralRules());
}

const plurals = new Map<Lang, Intl.PluralRules>();
/** The language's plural rules (`{n|one|other}` in messages), made once per language. */
function pluralRules(): Intl.PluralRules {
  let rules = plurals.get(current);
  if (!rules) plurals.set(current, (rules = new Intl.PluralRules(locale())));
  return rules;
}
