import type { NagiosStatus, RefusalReason } from '../protocol/schemas/script.js';
import type { Alert } from './types.js';
import type { Lang } from './words.js';

/**
 * Script check alerts in words (issue 14), English and French: the Nagios
 * status, what the script printed, and — when the agent refused to run it —
 * why, and what to change. Pure, like alerts/words.ts: the browser renders
 * the same words.
 */

const STATUS: Record<Lang, Record<NagiosStatus, string>> = {
  en: { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL', unknown: 'UNKNOWN' },
  fr: { ok: 'OK', warning: 'AVERTISSEMENT', critical: 'CRITIQUE', unknown: 'INCONNU' },
};

/** "CRITICAL" / "CRITIQUE": the status as Nagios users read it. */
export const spokenStatus = (status: NagiosStatus, lang: Lang): string => STATUS[lang][status];

/** Why an agent refused a script (protocol REFUSAL_REASONS), and what to change. */
const REFUSALS: Record<Lang, Record<RefusalReason, string>> = {
  en: {
    'no-key': 'the agent has no box key pinned (enrolled before scripts existed): enrol it again',
    'bad-signature': 'the signature did not verify against the box key the agent pinned: was the box key replaced?',
    'wrong-host': 'the scripts were signed for another host',
    expired: 'the request had expired: check that the clocks of the box and the host agree',
    'not-yet-valid': 'the request came from the future: check that the clocks of the box and the host agree',
    replayed: 'the request had already been used',
    'scripts-off': 'scripts are off on this agent: set "scripts": "checks" (or "actions") in its agent.json',
    'checks-only': 'this agent runs script checks but no actions: set "scripts": "actions" in its agent.json',
    'not-allowed': 'the script is not in the agent\'s scriptsAllow list',
    'unknown-script': 'the agent does not have this version of the script yet',
    'bad-args': 'an argument is outside its parameter\'s schema',
    'no-interpreter': 'the script\'s interpreter is not installed on the host',
    busy: 'the agent was already running as many scripts as it may',
  },
  fr: {
    'no-key': 'l’agent n’a pas épinglé la clé du boîtier (inscrit avant les scripts) : inscrivez-le à nouveau',
    'bad-signature': 'la signature ne correspond pas à la clé du boîtier épinglée par l’agent : la clé du boîtier a-t-elle changé ?',
    'wrong-host': 'les scripts étaient signés pour une autre machine',
    expired: 'la demande avait expiré : vérifiez que les horloges du boîtier et de la machine concordent',
    'not-yet-valid': 'la demande venait du futur : vérifiez que les horloges du boîtier et de la machine concordent',
    replayed: 'la demande avait déjà servi',
    'scripts-off': 'les scripts sont désactivés sur cet agent : mettez "scripts": "checks" (ou "actions") dans son agent.json',
    'checks-only': 'cet agent exécute les vérifications par script mais pas les actions : mettez "scripts": "actions" dans son agent.json',
    'not-allowed': 'le script n’est pas dans la liste scriptsAllow de l’agent',
    'unknown-script': 'l’agent n’a pas encore cette version du script',
    'bad-args': 'un argument sort du schéma de son paramètre',
    'no-interpreter': 'l’interpréteur du script n’est pas installé sur la machine',
    busy: 'l’agent exécutait déjà autant de scripts qu’il le peut',
  },
};

/** A refusal reason in words, with what to change; an unknown reason as it is. */
export const spokenRefusal = (reason: string, lang: Lang): string => (REFUSALS[lang] as Record<string, string>)[reason] ?? reason;

const ADVICE: Record<Lang, { run: string; refused: string }> = {
  en: {
    run: 'Read what the script printed (below) and its perfdata on the check\'s page; fix what it reports, or run it by hand on the host to see more.',
    refused: 'The script did not run: change what the refusal says, on the host (the agent\'s agent.json) or in the script library.',
  },
  fr: {
    run: 'Lisez ce que le script a affiché (ci-dessous) et ses mesures sur la page de la vérification ; corrigez ce qu’il signale, ou lancez-le à la main sur la machine pour en voir plus.',
    refused: 'Le script ne s’est pas exécuté : changez ce que dit le refus, sur la machine (l’agent.json de l’agent) ou dans la bibliothèque de scripts.',
  },
};

/**
 * "PostgreSQL replication CRITICAL on db-1 (1 of 2 places)", detail "CRITICAL
 * for 5 min (2 runs in a row): replication lag 90 s." or, refused, "The agent
 * refused to run it: scripts are off on this agent: set …".
 */
export function scriptCheckText(alert: Alert, arg: string, hostName: string, lang: Lang, lasted: string, ended: boolean): { title: string; detail: string; advice: string } {
  const fr = lang === 'fr';
  const c = alert.check;
  const name = c?.name ?? arg;
  const status = spokenStatus(c?.scriptStatus ?? (alert.severity === 'warning' ? 'warning' : 'critical'), lang);
  const places = c && c.runners > 1 ? (fr ? ` (${c.downFrom} ${c.downFrom > 1 ? 'lieux' : 'lieu'} sur ${c.runners})` : ` (${c.downFrom} of ${c.runners} places)`) : '';
  const colon = fr ? ' : ' : ': ';
  const refused = c?.refused ? (fr ? `L’agent a refusé de l’exécuter${colon}${spokenRefusal(c.refused, lang)}.` : `The agent refused to run it${colon}${spokenRefusal(c.refused, lang)}.`) : '';
  const said = c?.message ? `${colon}${c.message}` : '';
  const runs = alert.value ?? 0;
  if (ended) {
    return {
      title: fr ? `${name} était ${status} sur ${hostName}` : `${name} was ${status} on ${hostName}`,
      detail: fr ? `${status} pendant ${lasted}${c?.refused ? '' : said}.` : `${status} for ${lasted}${c?.refused ? '' : said}.`,
      advice: '',
    };
  }
  const inRow = fr ? `${runs} ${runs > 1 ? 'résultats' : 'résultat'} de suite` : `${runs} ${runs === 1 ? 'run' : 'runs'} in a row`;
  return {
    title: fr ? `${name} ${status} sur ${hostName}${places}` : `${name} ${status} on ${hostName}${places}`,
    detail: c?.refused
      ? `${fr ? `${status} depuis ${lasted}` : `${status} for ${lasted}`}. ${refused}${c.message ? ` (${c.message})` : ''}`
      : (fr ? `${status} depuis ${lasted} (${inRow})${said}.` : `${status} for ${lasted} (${inRow})${said}.`),
    advice: ADVICE[lang][c?.refused ? 'refused' : 'run'],
  };
}
