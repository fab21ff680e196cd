import type { ChannelConfig } from './channel-config.js';
import type { AlertNotice, Lang } from './types.js';

const TEXT: Record<Lang, { title: string; detail: (name: string) => string; advice: string }> = {
  en: {
    title: 'Test notification from Vigie',
    detail: (name) => `If you can read this, the channel "${name}" works.`,
    advice: 'Nothing to do: this is the test you asked for.',
  },
  fr: {
    title: 'Notification de test de Vigie',
    detail: (name) => `Si vous lisez ceci, le canal « ${name} » fonctionne.`,
    advice: 'Rien à faire : c’est le test que vous avez demandé.',
  },
};

/** The notice the "send test" button delivers: shaped like a real warning so every part of the message shows. */
export function testNotice(channel: ChannelConfig, lang: Lang, now: number): AlertNotice {
  const t = TEXT[lang];
  return {
    kind: 'firing',
    key: `vigie/test-${channel.id}`,
    host: 'vigie',
    hostLabel: null,
    rule: 'test',
    severity: 'warning',
    title: t.title,
    detail: t.detail(channel.name),
    advice: t.advice,
    context: [],
    value: null,
    threshold: null,
    unit: '',
    since: now,
    firedAt: now,
    resolvedAt: null,
    groups: [],
    url: null,
  };
}
