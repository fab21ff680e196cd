import { alertFacts, describeAlert } from '../alerts/advice.js';
import { actionLabel } from '../alerts/fixes.js';
import { spokenRefusal } from '../alerts/script-words.js';
import type { Alert } from '../alerts/types.js';
import { spokenOfflineReason, type Lang } from '../alerts/words.js';
import type { VigieEvent } from './event-log.js';

/**
 * Event log lines in the reader's language (issue 11 item 7). The log stores
 * each event's type and data, plus an English `message`; a template per type
 * renders the line again from the data in English or French. An unknown type,
 * or an older row whose data lacks a parameter, keeps its stored message.
 */

type Fields = Pick<VigieEvent, 'type' | 'host' | 'user' | 'data' | 'message'>;
/** One sentence per language; `p` reads a parameter and throws Missing when the row lacks it. */
type Template = (p: Params, lang: Lang) => string;

class Missing extends Error {}

interface Params {
  /** A text parameter at a dotted path of `data` (`after.name`), or the event's `host` / `user`. */
  s(path: string): string;
  /** A number parameter. */
  n(path: string): number;
  /** Whether a parameter is there (and not false). */
  has(path: string): boolean;
  /** The alert the event is about, in words. */
  alertTitle(lang: Lang): string;
  /** An automatic action (`script`, `args`, `name`) in words: "restart nginx.service". */
  action(lang: Lang): string;
}

const ROLES: Record<Lang, Record<string, string>> = {
  en: { admin: 'admin', operator: 'operator', viewer: 'viewer' },
  fr: { admin: 'administrateur', operator: 'opérateur', viewer: 'lecteur' },
};
const role = (r: string, lang: Lang): string => ROLES[lang][r] ?? r;
const reason = spokenOfflineReason;

const en = (lang: Lang): boolean => lang === 'en';

/** Why an enrollment token was refused (accounts/enrollment-tokens.ts). */
const ENROLL_REFUSALS: Record<Lang, Record<string, string>> = {
  en: { unknown: 'unknown token', used: 'token already used', expired: 'token expired', cancelled: 'token cancelled' },
  fr: { unknown: 'jeton inconnu', used: 'jeton déjà utilisé', expired: 'jeton expiré', cancelled: 'jeton annulé' },
};

const TEMPLATES: Record<string, Template> = {
  'auth.login': (p, l) => (en(l) ? `${p.s('user')} signed in` : `Connexion de ${p.s('user')}`),
  'auth.logout': (p, l) => (en(l) ? `${p.s('user')} signed out` : `Déconnexion de ${p.s('user')}`),
  'auth.setup': (p, l) => (en(l) ? `First admin ${p.s('user')} created with the setup code` : `Premier administrateur ${p.s('user')} créé avec le code d’installation`),
  'auth.setup_failed': (_p, l) => (en(l) ? 'Wrong setup code' : 'Code d’installation erroné'),
  'auth.login_failed': (p, l) => (en(l)
    ? `Failed login for "${p.s('user')}" (${p.n('failures')} in a row)`
    : `Échec de connexion pour « ${p.s('user')} » (${p.n('failures')} de suite)`),
  'auth.locked': (p, l) => (en(l)
    ? `Account "${p.s('user')}" locked after ${p.n('failures')} failed logins`
    : `Compte « ${p.s('user')} » verrouillé après ${p.n('failures')} échecs de connexion`),
  'user.created': (p, l) => (en(l)
    ? `User ${p.s('after.name')} created (${role(p.s('after.role'), l)})`
    : `Utilisateur ${p.s('after.name')} créé (${role(p.s('after.role'), l)})`),
  'user.updated': (p, l) => {
    if (p.has('before.role')) return en(l) ? `User ${p.s('after.name')} changed by an admin` : `Utilisateur ${p.s('after.name')} modifié par un administrateur`;
    // Someone changing their own name (and password). A password alone reads the same from the account
    // page and from the command line (`vigie user`): those rows keep their stored line.
    if (!p.has('after.name')) throw new Missing('after.name');
    const what = [en(l) ? 'name' : 'nom', p.has('password') && (en(l) ? 'password' : 'mot de passe')].filter(Boolean).join(en(l) ? ' and ' : ' et ');
    return en(l) ? `${p.s('before.name')} changed their ${what}` : `${p.s('before.name')} a changé son ${what}`;
  },
  'user.deleted': (p, l) => (en(l) ? `User ${p.s('before.name')} deleted` : `Utilisateur ${p.s('before.name')} supprimé`),
  'group.created': (p, l) => (en(l) ? `Group ${p.s('name')} created` : `Groupe ${p.s('name')} créé`),
  'group.updated': (p, l) => (en(l) ? `Group ${p.s('after.name')} changed` : `Groupe ${p.s('after.name')} modifié`),
  'group.deleted': (p, l) => (en(l) ? `Group ${p.s('before.name')} deleted` : `Groupe ${p.s('before.name')} supprimé`),
  'token.created': (p, l) => (en(l) ? `API token "${p.s('name')}" (${p.s('scope')}) created` : `Jeton d’API « ${p.s('name')} » (${p.s('scope')}) créé`),
  'token.revoked': (p, l) => (en(l) ? `API token "${p.s('name')}" of ${p.s('owner')} revoked` : `Jeton d’API « ${p.s('name')} » de ${p.s('owner')} révoqué`),
  'host.first_seen': (p, l) => (en(l) ? `${p.s('host')} seen for the first time` : `${p.s('host')} vue pour la première fois`),
  'host.offline': (p, l) => (en(l) ? `${p.s('host')} went offline (${reason(p.s('reason'), l)})` : `${p.s('host')} est hors ligne (${reason(p.s('reason'), l)})`),
  'host.online': (p, l) => (en(l) ? `${p.s('host')} is back online` : `${p.s('host')} est de nouveau en ligne`),
  'host.settings': (p, l) => (en(l) ? `Settings of ${p.s('host')} changed` : `Réglages de ${p.s('host')} modifiés`),
  'host.access': (p, l) => (en(l) ? `Access to ${p.s('host')} changed` : `Accès à ${p.s('host')} modifié`),
  'host.enrolled': (p, l) => (en(l) ? `Agent credentials created for ${p.s('host')}` : `Identifiants d’agent créés pour ${p.s('host')}`),
  'host.credentials_rotated': (p, l) => (en(l) ? `Agent credentials replaced for ${p.s('host')}` : `Identifiants d’agent remplacés pour ${p.s('host')}`),
  'host.credentials_revoked': (p, l) => (en(l) ? `Agent credentials of ${p.s('host')} revoked` : `Identifiants d’agent de ${p.s('host')} révoqués`),
  'host.enroll_token': (p, l) => (en(l) ? `Install command made for ${p.s('host')}` : `Commande d’installation créée pour ${p.s('host')}`),
  'host.enroll_cancelled': (p, l) => (en(l) ? `Install command for ${p.s('host')} cancelled` : `Commande d’installation de ${p.s('host')} annulée`),
  'host.enroll_refused': (p, l) => {
    const why = ENROLL_REFUSALS[l][p.s('reason')] ?? p.s('reason');
    if (!p.has('host')) return en(l) ? `Enrollment refused (${why})` : `Inscription refusée (${why})`;
    return en(l) ? `Enrollment refused for ${p.s('host')} (${why})` : `Inscription refusée pour ${p.s('host')} (${why})`;
  },
  'host.removed': (p, l) => (en(l) ? `${p.s('host')} removed` : `${p.s('host')} retirée`),
  'host.over_limit': (p, l) => (en(l)
    ? `${p.s('host')} sent more mounts or interfaces than its limits allow; the new ones are dropped (${p.n('mounts')} mounts, ${p.n('interfaces')} interfaces, ${p.n('series')} series kept)`
    : `${p.s('host')} a envoyé plus de points de montage ou d’interfaces que ses limites ne le permettent ; les nouveaux sont ignorés (${p.n('mounts')} points de montage, ${p.n('interfaces')} interfaces, ${p.n('series')} séries conservées)`),
  'host.alert_flood': (p, l) => (en(l)
    ? `${p.s('host')} caused more than ${p.n('perMinute')} alert transitions in a minute; the others this minute are stored and shown, without diagnosis or notification`
    : `${p.s('host')} a causé plus de ${p.n('perMinute')} changements d’alerte en une minute ; les suivants de cette minute sont enregistrés et affichés, sans diagnostic ni notification`),
  'alert.firing': (p, l) => p.alertTitle(l),
  // Automatic actions of rules (issue 14, alerts/auto-action.ts).
  'alert.auto_action': (p, l) => (en(l)
    ? `Automatic action of rule ${p.s('rule')} on ${p.s('host')}: ${p.action(l)}`
    : `Action automatique de la règle ${p.s('rule')} sur ${p.s('host')} : ${p.action(l)}`),
  'alert.auto_action_done': (p, l) => {
    const state = p.s('state');
    const outcome = state === 'done'
      ? (p.has('exit') ? (en(l) ? `done, exit ${p.n('exit')}` : `faite, code de sortie ${p.n('exit')}`) : (en(l) ? 'done, no exit code' : 'faite, sans code de sortie'))
      : state === 'refused' ? `${en(l) ? 'refused' : 'refusée'}: ${spokenRefusal(p.s('refusal.reason'), l)}`
        : state === 'lost' ? (en(l) ? 'no answer from the agent' : 'pas de réponse de l’agent')
          : `${en(l) ? 'not started' : 'non lancée'}: ${p.s('error')}`;
    return en(l)
      ? `Automatic action of rule ${p.s('rule')} on ${p.s('host')} (${p.action(l)}): ${outcome}`
      : `Action automatique de la règle ${p.s('rule')} sur ${p.s('host')} (${p.action(l)}) : ${outcome}`;
  },
  'alert.auto_action_skipped': (p, l) => {
    const cooldown = p.s('why') === 'cooldown';
    return en(l)
      ? `Automatic action ${p.s('script')} of rule ${p.s('rule')} on ${p.s('host')} not run: ${cooldown ? 'it already ran within the cooldown' : 'a maintenance window covers the host'}`
      : `Action automatique ${p.s('script')} de la règle ${p.s('rule')} sur ${p.s('host')} non exécutée : ${cooldown ? 'elle a déjà été exécutée pendant le délai de carence' : 'une fenêtre de maintenance couvre la machine'}`;
  },
  'alert.escalated': (p, l) => (en(l) ? `${p.alertTitle(l)} — now critical` : `${p.alertTitle(l)} — désormais critique`),
  'alert.deescalated': (p, l) => (en(l) ? `${p.alertTitle(l)} — back to warning` : `${p.alertTitle(l)} — redescendue en alerte`),
  'alert.resolved': (p, l) => p.alertTitle(l),
  'alert.acknowledged': (p, l) => (en(l) ? `${p.alertTitle(l)} — acknowledged` : `${p.alertTitle(l)} — acquittée`),
  'alert.silenced': (p, l) => (en(l) ? `${p.alertTitle(l)} — silenced for ${p.n('minutes')} min` : `${p.alertTitle(l)} — mise en sourdine pour ${p.n('minutes')} min`),
  'maintenance.created': (p, l) => (en(l) ? `Maintenance window "${p.s('after.name')}" planned` : `Fenêtre de maintenance « ${p.s('after.name')} » planifiée`),
  'maintenance.deleted': (p, l) => (en(l) ? `Maintenance window "${p.s('before.name')}" removed` : `Fenêtre de maintenance « ${p.s('before.name')} » supprimée`),
  'settings.alerts': (_p, l) => (en(l) ? 'Alert settings changed' : 'Réglages des alertes modifiés'),
  'settings.host_alerts': (p, l) => (en(l) ? `Alert settings of ${p.s('host')} changed` : `Réglages des alertes de ${p.s('host')} modifiés`),
  'settings.channel_created': (p, l) => (en(l)
    ? `Notification channel "${p.s('after.name')}" (${p.s('after.type')}) created`
    : `Canal de notification « ${p.s('after.name')} » (${p.s('after.type')}) créé`),
  'settings.channel_updated': (p, l) => (en(l) ? `Notification channel "${p.s('after.name')}" changed` : `Canal de notification « ${p.s('after.name')} » modifié`),
  'settings.channel_deleted': (p, l) => (en(l) ? `Notification channel "${p.s('before.name')}" deleted` : `Canal de notification « ${p.s('before.name')} » supprimé`),
  'notify.failed': (p, l) => {
    const test = p.has('test');
    if (en(l)) return `${test ? 'Test message' : 'Notification'} to "${p.s('name')}" failed: ${p.s('error')}`;
    return `Échec ${test ? 'du message de test' : 'de la notification'} vers « ${p.s('name')} » : ${p.s('error')}`;
  },
  // Scripts (issue 14): the library's changes; runs keep their stored line, which lists the arguments.
  'script.created': (p, l) => (en(l) ? `Script ${p.s('after.id')} ("${p.s('after.name')}") created, version 1` : `Script ${p.s('after.id')} (« ${p.s('after.name')} ») créé, version 1`),
  'script.updated': (p, l) => {
    const bumped = p.has('bumped') ? (en(l) ? `: version ${p.n('before.version')} → ${p.n('after.version')}` : ` : version ${p.n('before.version')} → ${p.n('after.version')}`) : '';
    return en(l) ? `Script ${p.s('after.id')} ("${p.s('after.name')}") changed${bumped}` : `Script ${p.s('after.id')} (« ${p.s('after.name')} ») modifié${bumped}`;
  },
  'script.enabled': (p, l) => (en(l) ? `Script ${p.s('script')} enabled` : `Script ${p.s('script')} activé`),
  'script.disabled': (p, l) => (en(l) ? `Script ${p.s('script')} disabled` : `Script ${p.s('script')} désactivé`),
  'script.deleted': (p, l) => (en(l) ? `Script ${p.s('before.id')} ("${p.s('before.name')}") deleted` : `Script ${p.s('before.id')} (« ${p.s('before.name')} ») supprimé`),
  'events.purged': (p, l) => {
    const before = new Date(p.n('before')).toISOString();
    return en(l) ? `${p.n('deleted')} events before ${before} purged` : `${p.n('deleted')} événements antérieurs au ${before} supprimés`;
  },
};

/** Event types with a template: the rest show their stored message. */
export const TEMPLATED_TYPES: readonly string[] = Object.keys(TEMPLATES);

function paramsOf(e: Fields): Params {
  const at = (path: string): unknown => {
    if (path === 'host') return e.host;
    if (path === 'user') return e.user;
    let v: unknown = e.data;
    for (const key of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
    return v;
  };
  return {
    s(path) {
      const v = at(path);
      if (typeof v === 'string' && v !== '') return v;
      if (typeof v === 'number' && Number.isFinite(v)) return String(v);
      throw new Missing(path);
    },
    has(path) {
      const v = at(path);
      return v !== undefined && v !== null && v !== false;
    },
    n(path) {
      const v = at(path);
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      throw new Missing(path);
    },
    action(lang) {
      const script = at('script');
      const args = at('args');
      const name = at('name');
      if (typeof script !== 'string') throw new Missing('script');
      const given = typeof args === 'object' && args !== null ? (args as Record<string, string | number>) : {};
      return actionLabel(script, given, lang, typeof name === 'string' ? { name } : {});
    },
    alertTitle(lang) {
      const a = at('alert');
      if (!isAlert(a)) throw new Missing('alert');
      return describeAlert(alertFacts(a), lang, typeof e.host === 'string' ? e.host : a.host, a.resolvedAt ?? a.since).title;
    },
  };
}

const isAlert = (v: unknown): v is Alert => {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return typeof a.rule === 'string' && typeof a.host === 'string' && typeof a.state === 'string' && typeof a.since === 'number' && typeof a.unit === 'string';
};

/** The event's line in `lang`: its type's template filled from its data, else its stored (English) message. */
export function eventMessage(e: Fields, lang: Lang): string {
  const template = TEMPLATES[e.type];
  if (!template) return e.message;
  try {
    return template(paramsOf(e), lang);
  } catch (error) {
    // A row written before its type had these parameters; anything else is a bug worth seeing.
    if (error instanceof Missing) return e.message;
    throw error;
  }
}
