import { wordsWithAction } from '../alerts/action-words.js';
import { describeAlert } from '../alerts/advice.js';
import type { AlertNotice, Lang } from './types.js';

/**
 * A notice in `lang`: title, detail and advice rendered again from its facts
 * (the alert's kind and parameters, as of when the notice was made). Notices
 * without facts (tests, or queued by an older version) keep their words.
 */
export function localizeNotice(notice: AlertNotice, lang: Lang): AlertNotice {
  // The facts stay inside Vigie: what channels receive (the webhook's JSON included) keeps its documented shape.
  const { facts, ...rest } = notice;
  if (!facts) return rest;
  // An automatic action's words (issue 14) in the same language: its "running now" line, or its outcome.
  const text = wordsWithAction(describeAlert(facts.alert, lang, facts.hostName, facts.at), notice.kind, notice.action, facts.hostName, lang);
  return { ...rest, title: text.title, detail: text.detail, advice: text.advice };
}
