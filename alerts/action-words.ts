import type { ScriptArgs } from '../protocol/schemas/script.js';
import { actionLabel } from './fixes.js';
import { spokenRefusal } from './script-words.js';
import { spokenNumber, type Lang } from './words.js';

/**
 * An automatic action in words (issue 14), English and French: the line the
 * fired alert's notice adds ("Automatic action: restart nginx.service,
 * running now."), and the follow-up notice's title and detail saying what
 * was done and what came of it. Pure: notify/localize.ts renders them again
 * in each channel's language from the same facts.
 */

/** Where an automatic run got to: the run service's states, plus `error` when it could not even start. */
export type ActionState = 'running' | 'done' | 'refused' | 'lost' | 'error';

/** What a notice keeps of an automatic action: enough to say it in any language. */
export interface ActionFacts {
  script: string;
  args: ScriptArgs;
  /** A process name for the label ("stop process 1234 (stress)"); never passed to the script. */
  name?: string;
  /** The rule that ran it. */
  rule: string;
  state: ActionState;
  runId?: string;
  exit?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  /** Seconds the run took. */
  duration?: number | null;
  refusal?: { reason: string; message: string };
  /** Why it could not start (`error`), as the run service said it. */
  error?: string;
  /** The last lines of its output, escaped. */
  output?: string[];
}

const label = (a: ActionFacts, lang: Lang): string => actionLabel(a.script, a.args, lang, a.name ? { name: a.name } : {});

/** Whether the run did what it was asked: it ran and exited 0. */
export const actionSucceeded = (a: ActionFacts): boolean => a.state === 'done' && a.exit === 0 && !a.timedOut;

/** The sentence the fired alert's notice carries: "Automatic action: restart nginx.service, running now." */
export function actionRunningLine(a: ActionFacts, lang: Lang): string {
  return lang === 'fr' ? `Action automatique : ${label(a, lang)}, en cours.` : `Automatic action: ${label(a, lang)}, running now.`;
}

/** "exit 0 after 1.2 s", "timed out after 30 s", "killed by SIGKILL". */
function outcome(a: ActionFacts, lang: Lang): string {
  const fr = lang === 'fr';
  const after = a.duration != null ? (fr ? ` après ${spokenNumber(a.duration, lang, 1)} s` : ` after ${spokenNumber(a.duration, lang, 1)} s`) : '';
  if (a.timedOut) return fr ? `délai dépassé${after}` : `timed out${after}`;
  if (a.exit === null || a.exit === undefined) return a.signal ? (fr ? `tué par ${a.signal}${after}` : `killed by ${a.signal}${after}`) : fr ? `sans code de sortie${after}` : `no exit code${after}`;
  return fr ? `code de sortie ${a.exit}${after}` : `exit ${a.exit}${after}`;
}

/** The follow-up notice's title: "Automatic action on web-1: restart nginx.service — done (exit 0 after 1.2 s)". */
export function actionOutcomeTitle(a: ActionFacts, hostName: string, lang: Lang): string {
  const fr = lang === 'fr';
  const head = fr ? `Action automatique sur ${hostName} : ${label(a, lang)}` : `Automatic action on ${hostName}: ${label(a, lang)}`;
  switch (a.state) {
    case 'done': {
      const ok = actionSucceeded(a);
      return `${head} — ${ok ? (fr ? 'faite' : 'done') : fr ? 'échec' : 'failed'} (${outcome(a, lang)})`;
    }
    case 'refused': return `${head} — ${fr ? 'refusée' : 'refused'}`;
    case 'lost': return `${head} — ${fr ? 'sans réponse' : 'no answer'}`;
    case 'error': return `${head} — ${fr ? 'non lancée' : 'not started'}`;
    default: return `${head} — ${fr ? 'en cours' : 'running'}`;
  }
}

/** The follow-up's detail: which alert it was for, and the refusal or the error in words. */
export function actionOutcomeDetail(a: ActionFacts, alertTitle: string, lang: Lang): string {
  const fr = lang === 'fr';
  const colon = fr ? ' : ' : ': ';
  const forAlert = fr ? `Pour l’alerte${colon}${alertTitle}.` : `For the alert${colon}${alertTitle}.`;
  const by = fr ? ` Lancée par la règle ${a.rule}.` : ` Run by rule ${a.rule}.`;
  if (a.state === 'refused' && a.refusal) {
    const why = spokenRefusal(a.refusal.reason, lang);
    return `${forAlert}${by} ${fr ? `L’agent a refusé${colon}${why}` : `The agent refused it${colon}${why}`} (${a.refusal.message}).`;
  }
  if (a.state === 'error') return `${forAlert}${by} ${fr ? `Elle n’a pas pu être lancée${colon}` : `It could not be started${colon}`}${a.error ?? '?'}.`;
  if (a.state === 'lost') return `${forAlert}${by} ${fr ? 'L’agent n’a pas répondu à temps : vérifiez la machine.' : 'The agent did not answer in time: check the host.'}`;
  return `${forAlert}${by}`;
}

/**
 * A notice's words with its automatic action: the fired alert's detail gains
 * the "running now" line; the follow-up (`action`) notice is titled with the
 * outcome, its detail names the alert, and it gives no advice.
 */
export function wordsWithAction(text: { title: string; detail: string; advice: string }, kind: string, a: ActionFacts | undefined, hostName: string, lang: Lang): { title: string; detail: string; advice: string } {
  if (!a) return text;
  if (kind === 'action') return { title: actionOutcomeTitle(a, hostName, lang), detail: actionOutcomeDetail(a, text.title, lang), advice: '' };
  if (kind === 'firing') return { ...text, detail: `${text.detail}${text.detail ? ' ' : ''}${actionRunningLine(a, lang)}` };
  return text;
}
