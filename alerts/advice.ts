import type { Alert } from './types.js';

export type Lang = 'en' | 'fr';

/** What a person reads about an alert: a title, one line of detail, and what to do about it. */
export interface AlertText {
  title: string;
  detail: string;
  advice: string;
}

const fmt = (n: number | null, digits = 0): string => (n === null ? '?' : n.toFixed(digits));
const duration = (ms: number, lang: Lang): string => {
  const min = Math.round(ms / 60_000);
  if (min < 1) return lang === 'fr' ? 'moins d’une minute' : 'under a minute';
  if (min < 120) return `${min} min`;
  return `${Math.round(min / 60)} h`;
};

interface RuleWords { what: Record<Lang, string>; advice: Record<Lang, string> }

// One entry per rule family: plain words first, the command to try second.
const WORDS: Record<string, RuleWords> = {
  cpu: {
    what: { en: 'CPU', fr: 'Processeur' },
    advice: {
      en: 'Look at the processes using the most CPU (below, or `top`); stop or restart a runaway one, or spread the load.',
      fr: 'Regardez les processus qui utilisent le plus le processeur (ci-dessous, ou `top`) ; arrêtez ou redémarrez celui qui s’emballe, ou répartissez la charge.',
    },
  },
  mem: {
    what: { en: 'Memory', fr: 'Mémoire' },
    advice: {
      en: 'Find the processes using the most memory (below, or `ps aux --sort=-rss | head`); restart a leaking service or add memory or swap.',
      fr: 'Repérez les processus qui utilisent le plus de mémoire (ci-dessous, ou `ps aux --sort=-rss | head`) ; redémarrez un service qui fuit, ou ajoutez de la mémoire ou du swap.',
    },
  },
  swap: {
    what: { en: 'Swap', fr: 'Swap' },
    advice: {
      en: 'The machine is short of memory and pages out: find the biggest processes (`ps aux --sort=-rss | head`) and reduce them.',
      fr: 'La machine manque de mémoire et utilise le swap : trouvez les plus gros processus (`ps aux --sort=-rss | head`) et réduisez-les.',
    },
  },
  load: {
    what: { en: 'Load per core', fr: 'Charge par cœur' },
    advice: {
      en: 'More tasks wait than the cores can run: check CPU-hungry processes and disk waits (`top`, `iostat -x 1`).',
      fr: 'Plus de tâches attendent que les cœurs ne peuvent en exécuter : vérifiez les processus gourmands et les attentes disque (`top`, `iostat -x 1`).',
    },
  },
  temperature: {
    what: { en: 'Temperature', fr: 'Température' },
    advice: {
      en: 'Check the fan and the airflow, dust the machine, and lower a sustained CPU load.',
      fr: 'Vérifiez le ventilateur et l’aération, dépoussiérez la machine, et réduisez une charge processeur prolongée.',
    },
  },
  disk: {
    what: { en: 'Disk', fr: 'Disque' },
    advice: {
      en: 'Free space on this mount: the largest directories are below; old logs (`journalctl --vacuum-size=200M`), caches (`apt clean`) and old backups are the usual suspects.',
      fr: 'Libérez de la place sur ce point de montage : les plus gros dossiers sont ci-dessous ; vieux journaux (`journalctl --vacuum-size=200M`), caches (`apt clean`) et anciennes sauvegardes sont les suspects habituels.',
    },
  },
  disk_forecast: {
    what: { en: 'Disk filling up', fr: 'Disque en train de se remplir' },
    advice: {
      en: 'At this rate the mount will be full soon: find what grows (the largest directories are below) before it is.',
      fr: 'À ce rythme le point de montage sera bientôt plein : trouvez ce qui grossit (les plus gros dossiers sont ci-dessous) avant qu’il le soit.',
    },
  },
  offline: {
    what: { en: 'Host offline', fr: 'Machine hors ligne' },
    advice: {
      en: 'Check that the machine is powered and reachable (`ping`), then that the agent runs (`systemctl status vigie-agent`).',
      fr: 'Vérifiez que la machine est allumée et joignable (`ping`), puis que l’agent tourne (`systemctl status vigie-agent`).',
    },
  },
  service: {
    what: { en: 'Service', fr: 'Service' },
    advice: {
      en: 'Read its last log lines (below, or `journalctl -u NAME -n 50`), fix the cause, then `systemctl restart NAME`.',
      fr: 'Lisez ses dernières lignes de journal (ci-dessous, ou `journalctl -u NAME -n 50`), corrigez la cause, puis `systemctl restart NAME`.',
    },
  },
};

/** The rule family (`disk` for `disk:/var`) and its argument (`/var`). */
export function ruleParts(rule: string): { family: string; arg: string } {
  const colon = rule.indexOf(':');
  return colon < 0 ? { family: rule, arg: '' } : { family: rule.slice(0, colon), arg: rule.slice(colon + 1) };
}

/** Title, detail and advice of an alert in English or French. */
export function describeAlert(alert: Alert, lang: Lang, hostName: string = alert.host, now: number = Date.now()): AlertText {
  const { family, arg } = ruleParts(alert.rule);
  const words = WORDS[family] ?? { what: { en: alert.rule, fr: alert.rule }, advice: { en: '', fr: '' } };
  const fr = lang === 'fr';
  const sev = alert.severity === 'critical' ? (fr ? 'critique' : 'critical') : fr ? 'alerte' : 'warning';
  const ended = alert.state === 'resolved' || alert.state === 'cleared';
  const what = words.what[lang];
  let title: string;
  let detail: string;
  switch (family) {
    case 'offline':
      title = `${what}: ${hostName}`;
      detail = fr
        ? `Aucune nouvelle de l’agent depuis ${duration(now - alert.since, lang)} (${alert.offlineReason ?? 'inconnu'}).`
        : `No word from the agent for ${duration(now - alert.since, lang)} (${alert.offlineReason ?? 'unknown'}).`;
      break;
    case 'service':
      title = `${what} ${arg} ${alert.serviceState ?? (fr ? 'arrêté' : 'stopped')} — ${hostName}`;
      detail = fr ? `Le service surveillé ${arg} est « ${alert.serviceState ?? '?'} ».` : `The watched service ${arg} is "${alert.serviceState ?? '?'}".`;
      break;
    case 'disk_forecast': {
      const hours = alert.value;
      title = `${what} ${arg} — ${hostName}`;
      detail = fr
        ? `Plein dans environ ${fmt(hours)} h au rythme actuel (${fmt(alert.forecast?.slopePerHour ?? null, 1)} %/h).`
        : `Full in about ${fmt(hours)} h at the current rate (${fmt(alert.forecast?.slopePerHour ?? null, 1)} %/h).`;
      break;
    }
    default: {
      const unit = alert.unit === 'celsius' ? ' °C' : alert.unit === 'perCore' ? '' : ' %';
      const digits = alert.unit === 'perCore' ? 2 : 0;
      const where = arg ? ` ${arg}` : '';
      title = `${what}${where} ${fr ? 'à' : 'at'} ${fmt(alert.value, digits)}${unit} ${fr ? 'sur' : 'on'} ${hostName}`;
      detail = fr
        ? `Seuil ${sev} ${fmt(alert.threshold, digits)}${unit} dépassé depuis ${duration(now - alert.since, lang)}.`
        : `Above the ${sev} threshold of ${fmt(alert.threshold, digits)}${unit} for ${duration(now - alert.since, lang)}.`;
    }
  }
  if (ended) title = `${fr ? 'Résolu' : 'Resolved'}: ${title}`;
  return { title, detail, advice: ended ? '' : words.advice[lang].replace(/NAME/g, arg || 'NAME') };
}
