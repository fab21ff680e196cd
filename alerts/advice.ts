import { deviceAdvice, deviceOfflineText, interfaceText, isDeviceAlert } from './device-words.js';
import { scriptCheckText } from './script-words.js';
import { containerText } from './container-words.js';
import type { Alert } from './types.js';
import { spokenAhead, spokenDuration, spokenGrowth, spokenMoment, spokenNumber, spokenOfflineReason, type Lang } from './words.js';

export type { Lang } from './words.js';

/** What a person reads about an alert: a title, one line of detail, and what to do about it. */
export interface AlertText {
  title: string;
  detail: string;
  advice: string;
}

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
  check: {
    what: { en: 'Check', fr: 'Vérification' },
    advice: {
      en: 'Read what the runner saw (below: its message, the response or the network path). Check that the service runs and answers from the runner (`curl -v URL`, `ping HOST`, `tracepath HOST`); the check\'s page shows its other runners and its recent results.',
      fr: 'Lisez ce que la sonde a vu (ci-dessous : son message, la réponse ou le chemin réseau). Vérifiez que le service tourne et répond depuis la sonde (`curl -v URL`, `ping HÔTE`, `tracepath HÔTE`) ; la page de la vérification montre ses autres sondes et ses derniers résultats.',
    },
  },
  check_latency: {
    what: { en: 'Slow response', fr: 'Réponse lente' },
    advice: {
      en: 'Compare the phases (DNS, connect, TLS, first byte) and the other runners on the check\'s page: slow DNS or connect points at the network (`tracepath HOST`), a slow first byte at the server (its load, its database).',
      fr: 'Comparez les phases (DNS, connexion, TLS, premier octet) et les autres sondes sur la page de la vérification : un DNS ou une connexion lents désignent le réseau (`tracepath HÔTE`), un premier octet lent le serveur (sa charge, sa base de données).',
    },
  },
  check_cert: {
    what: { en: 'Certificate', fr: 'Certificat' },
    advice: {
      en: 'Renew the certificate (e.g. `certbot renew`) and reload the server that presents it; check why the automatic renewal did not run (`systemctl list-timers`, the renewal log).',
      fr: 'Renouvelez le certificat (par exemple `certbot renew`) et rechargez le serveur qui le présente ; vérifiez pourquoi le renouvellement automatique n’a pas eu lieu (`systemctl list-timers`, le journal du renouvellement).',
    },
  },
  // Interfaces of SNMP devices (issue 13); titles and details in device-words.ts.
  if_down: {
    what: { en: 'Interface down', fr: 'Interface hors service' },
    advice: {
      en: 'Check the cable and the port at the other end (is it up, at the same speed and duplex?), then the interface\'s error and discard counters on the device\'s page. If the port is not used, shut it down on the device (admin down): it will no longer alert.',
      fr: 'Vérifiez le câble et le port d’en face (est-il actif, à la même vitesse et en même duplex ?), puis les compteurs d’erreurs et de rejets de l’interface sur la page de l’équipement. Si le port ne sert pas, désactivez-le sur l’équipement (admin down) : il n’alertera plus.',
    },
  },
  if_util: {
    what: { en: 'Interface utilisation', fr: 'Utilisation de l’interface' },
    advice: {
      en: 'Find the top talkers on this link (the busiest hosts\' rates, or the device\'s flow export), move heavy transfers (backups, updates) to quieter hours or limit them, or upgrade the link if it is full at normal times.',
      fr: 'Trouvez qui parle le plus sur ce lien (les débits des machines les plus actives, ou l’export de flux de l’équipement), déplacez les gros transferts (sauvegardes, mises à jour) aux heures creuses ou limitez-les, ou augmentez le débit du lien s’il est plein en temps normal.',
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

/**
 * Just the alert's kind and parameters (no diagnosis, acknowledgement…):
 * what an event or a notice keeps so it can be put in words later, in
 * whichever language its reader wants.
 */
export function alertFacts(a: Alert): Alert {
  const facts: Alert = {
    host: a.host, rule: a.rule, severity: a.severity, state: a.state, value: a.value, threshold: a.threshold,
    unit: a.unit, metric: a.metric, since: a.since, firedAt: a.firedAt, resolvedAt: a.resolvedAt,
  };
  if (a.serviceState !== undefined) facts.serviceState = a.serviceState;
  if (a.forecast !== undefined) facts.forecast = a.forecast;
  if (a.offlineReason !== undefined) facts.offlineReason = a.offlineReason;
  if (a.check !== undefined) facts.check = a.check;
  if (a.offlineError !== undefined) facts.offlineError = a.offlineError;
  if (a.device !== undefined) facts.device = a.device;
  if (a.iface !== undefined) facts.iface = a.iface;
  if (a.container !== undefined) facts.container = a.container;
  return facts;
}

/** The rule family (`disk` for `disk:/var`) and its argument (`/var`). */
export function ruleParts(rule: string): { family: string; arg: string } {
  const colon = rule.indexOf(':');
  return colon < 0 ? { family: rule, arg: '' } : { family: rule.slice(0, colon), arg: rule.slice(colon + 1) };
}

export interface DescribeOptions {
  /** Time zone of the dates in the text (a forecast's "around 14:32"); default: the renderer's. */
  timeZone?: string;
}

/**
 * When the alert's condition started and when it ended (now while it lasts):
 * the span both "above the threshold for X" and "lasted X" measure, so they
 * always agree (issue 11 item 7: they used to measure different spans).
 */
export function alertSpan(alert: Pick<Alert, 'since' | 'resolvedAt'>, now: number): { start: number; end: number; ms: number } {
  const end = alert.resolvedAt ?? now;
  return { start: alert.since, end, ms: Math.max(0, end - alert.since) };
}

/**
 * "Full in about 10 minutes (around 14:32) at the current rate (+6 %/min)".
 * From the fit's `fullAt` when known (the value, hours to full, is as of the
 * last evaluation); ended alerts say when it would have been full.
 */
function forecastDetail(alert: Alert, lang: Lang, now: number, ended: boolean, timeZone?: string): string {
  const fr = lang === 'fr';
  const fullAt = alert.forecast?.fullAt ?? (alert.value === null ? null : (alert.resolvedAt ?? now) + alert.value * 3_600_000);
  // In bytes too when the mount's size is known: "+1.2 GiB/h, +0.5 %/h".
  const rate = alert.forecast ? spokenGrowth(alert.forecast.slopePerHour, alert.forecast.sizeBytes, lang) : null;
  const atRate = rate ? (fr ? ` au rythme actuel (${rate})` : ` at the current rate (${rate})`) : '';
  if (fullAt === null) return fr ? `Plein bientôt${atRate}.` : `Full soon${atRate}.`;
  const around = spokenMoment(fullAt, now, lang, timeZone);
  if (ended) return fr ? `Aurait été plein vers ${around}${rate ? ` (${rate})` : ''}.` : `Would have been full around ${around}${rate ? ` (${rate})` : ''}.`;
  const ahead = spokenAhead(Math.max(0, fullAt - now), lang);
  return fr ? `Plein dans ${ahead} (vers ${around})${atRate}.` : `Full in ${ahead} (around ${around})${atRate}.`;
}

/**
 * Title, detail and advice of an alert in English or French, from its kind
 * (rule) and parameters; whoever shows it renders it in its reader's
 * language: the API per request, the browser in its own, a channel in its own.
 */
export function describeAlert(alert: Alert, lang: Lang, hostName: string = alert.host, now: number = Date.now(), opts: DescribeOptions = {}): AlertText {
  const { family, arg } = ruleParts(alert.rule);
  const words = WORDS[family] ?? { what: { en: alert.rule, fr: alert.rule }, advice: { en: '', fr: '' } };
  const fr = lang === 'fr';
  const sev = alert.severity === 'critical' ? (fr ? 'critique' : 'critical') : fr ? 'd’alerte' : 'warning';
  const ended = alert.state === 'resolved' || alert.state === 'cleared';
  const lasted = spokenDuration(alertSpan(alert, now).ms, lang);
  const what = words.what[lang];
  let title: string;
  let detail: string;
  let advice = words.advice[lang].replace(/NAME/g, arg || 'NAME');
  switch (family) {
    case 'offline': {
      const reason = spokenOfflineReason(alert.offlineReason ?? 'unknown', lang);
      title = `${what}${fr ? ' :' : ':'} ${hostName}`;
      // A device has no agent: it did not answer its poller, for a reason the poller gave (issue 13).
      if (isDeviceAlert(alert)) {
        ({ detail, advice } = deviceOfflineText(alert, lang, lasted, ended));
        break;
      }
      detail = ended
        ? (fr ? `Sans nouvelle de l’agent pendant ${lasted} (${reason}).` : `No word from the agent for ${lasted} (${reason}).`)
        : (fr ? `Aucune nouvelle de l’agent depuis ${lasted} (${reason}).` : `No word from the agent for ${lasted} (${reason}).`);
      break;
    }
    case 'service': {
      const state = alert.serviceState ?? (fr ? 'arrêté' : 'stopped');
      title = `${what} ${arg} ${state} — ${hostName}`;
      detail = fr
        ? `Le service surveillé ${arg} ${ended ? 'a été' : 'est'} « ${alert.serviceState ?? '?'} » ${ended ? 'pendant' : 'depuis'} ${lasted}.`
        : `The watched service ${arg} ${ended ? 'was' : 'has been'} "${alert.serviceState ?? '?'}" for ${lasted}.`;
      break;
    }
    case 'check':
      // A script check (issue 14): its Nagios status, what it printed, or why the agent refused it.
      if (alert.check?.kind === 'script') ({ title, detail, advice } = scriptCheckText(alert, arg, hostName, lang, lasted, ended));
      else ({ title, detail } = checkWords(family, alert, arg, hostName, lang, lasted, ended, sev, now));
      break;
    case 'check_latency':
    case 'check_cert':
      ({ title, detail } = checkWords(family, alert, arg, hostName, lang, lasted, ended, sev, now));
      break;
    case 'if_down':
    case 'if_util':
      ({ title, detail } = interfaceText(family, alert, arg, hostName, lang, lasted, ended, sev));
      break;
    case 'container':
    case 'container_health':
    case 'container_restarts':
      ({ title, detail, advice } = containerText(family, alert, arg, hostName, lang, lasted, ended));
      break;
    case 'disk_forecast':
      title = `${what} ${arg} — ${hostName}`;
      detail = forecastDetail(alert, lang, now, ended, opts.timeZone);
      break;
    default: {
      const unit = alert.unit === 'celsius' ? ' °C' : alert.unit === 'perCore' ? '' : ' %';
      const digits = alert.unit === 'perCore' ? 2 : 0;
      const where = arg ? ` ${arg}` : '';
      const threshold = `${spokenNumber(alert.threshold, lang, digits)}${unit}`;
      title = `${what}${where} ${fr ? 'à' : 'at'} ${spokenNumber(alert.value, lang, digits)}${unit} ${fr ? 'sur' : 'on'} ${hostName}`;
      detail = ended
        ? (fr ? `Au-dessus du seuil ${sev} de ${threshold} pendant ${lasted}.` : `Above the ${sev} threshold of ${threshold} for ${lasted}.`)
        : (fr ? `Au-dessus du seuil ${sev} de ${threshold} depuis ${lasted}.` : `Above the ${sev} threshold of ${threshold} for ${lasted}.`);
    }
  }
  if (ended) title = `${fr ? 'Résolue :' : 'Resolved:'} ${title}`;
  // A device's CPU, memory or disk: no agent lists its processes or directories, and no shell command of ours runs there.
  if (isDeviceAlert(alert) && family !== 'offline') advice = deviceAdvice(family, lang) ?? advice;
  // A check has a page of its own: the advice names it there, not the agent's commands.
  if (family.startsWith('check')) return { title, detail, advice: ended ? '' : alert.check?.kind === 'script' && family === 'check' ? advice : words.advice[lang] };
  return { title, detail, advice: ended ? '' : advice };
}

/** The host part of a check's target: `https://moodle.example.org/login` → `moodle.example.org`. */
function targetHost(target: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]*\]|[^/:?#]+)/i.exec(target);
  return m ? m[1]! : target;
}

const days = (n: number, fr: boolean): string => `${n} ${fr ? (n === 1 || n === 0 ? 'jour' : 'jours') : n === 1 ? 'day' : 'days'}`;

/**
 * Check alerts in words (issue 12): "Moodle is down from box (1 of 2
 * places)", "Moodle slow from box: 150 ms", "The certificate of
 * moodle.example.org expires in 5 days". The host is the runner.
 */
function checkWords(
  family: string, alert: Alert, arg: string, hostName: string, lang: Lang, lasted: string, ended: boolean, sev: string, now: number,
): { title: string; detail: string } {
  const fr = lang === 'fr';
  const c = alert.check;
  const name = c?.name ?? arg;
  const said = c?.message ? `${fr ? ' : ' : ': '}${c.message}` : '';
  if (family === 'check') {
    const places = c && c.runners > 1
      ? (fr ? ` (${c.downFrom} ${c.downFrom > 1 ? 'lieux' : 'lieu'} sur ${c.runners})` : ` (${c.downFrom} of ${c.runners} places)`)
      : '';
    const runs = alert.value ?? 0;
    if (ended) {
      return {
        title: fr ? `${name} était en panne vu depuis ${hostName}` : `${name} was down from ${hostName}`,
        detail: fr ? `En panne pendant ${lasted}${said}.` : `Down for ${lasted}${said}.`,
      };
    }
    return {
      title: fr ? `${name} est en panne vu depuis ${hostName}${places}` : `${name} is down from ${hostName}${places}`,
      detail: fr
        ? `En panne depuis ${lasted} (${runs} ${runs > 1 ? 'échecs' : 'échec'} de suite)${said}.`
        : `Down for ${lasted} (${runs} failed ${runs === 1 ? 'run' : 'runs'} in a row)${said}.`,
    };
  }
  if (family === 'check_latency') {
    const ms = (v: number | null): string => `${spokenNumber(v === null ? null : v * 1000, lang)} ms`;
    const threshold = ms(alert.threshold);
    return {
      title: fr ? `${name} lent vu depuis ${hostName} : ${ms(alert.value)}` : `${name} slow from ${hostName}: ${ms(alert.value)}`,
      detail: ended
        ? (fr ? `Temps de réponse au-dessus du seuil ${sev} de ${threshold} pendant ${lasted}.` : `Response time above the ${sev} threshold of ${threshold} for ${lasted}.`)
        : (fr ? `Temps de réponse au-dessus du seuil ${sev} de ${threshold} depuis ${lasted}.` : `Response time above the ${sev} threshold of ${threshold} for ${lasted}.`),
    };
  }
  // check_cert: value and threshold are hours left; the days are counted from the certificate's date when known.
  const host = targetHost(c?.target ?? arg);
  const hoursLeft = c?.notAfter !== undefined ? (c.notAfter - now) / 3_600_000 : (alert.value ?? 0);
  const left = Math.round(hoursLeft / 24);
  const level = alert.threshold === null ? null : Math.round(alert.threshold / 24);
  const levelText = level === null ? '' : (fr ? ` ; seuil ${sev} : ${days(level, fr)}` : `; ${sev} threshold: ${days(level, fr)}`);
  const seenBy = fr ? `Vu par « ${name} » depuis ${hostName}` : `Seen by "${name}" from ${hostName}`;
  if (ended) {
    return {
      title: fr ? `certificat de ${host}` : `certificate of ${host}`,
      detail: hoursLeft > 0
        ? (fr ? `${seenBy} ; il expire désormais dans ${days(left, fr)}.` : `${seenBy}; it now expires in ${days(left, fr)}.`)
        : (fr ? `${seenBy}.` : `${seenBy}.`),
    };
  }
  let title: string;
  if (hoursLeft <= 0) {
    const ago = Math.round(-hoursLeft / 24);
    title = ago < 1
      ? (fr ? `Le certificat de ${host} vient d’expirer` : `The certificate of ${host} has just expired`)
      : (fr ? `Le certificat de ${host} a expiré il y a ${days(ago, fr)}` : `The certificate of ${host} expired ${days(ago, fr)} ago`);
  } else if (left < 1) {
    title = fr ? `Le certificat de ${host} expire dans moins d’un jour` : `The certificate of ${host} expires in less than a day`;
  } else {
    title = fr ? `Le certificat de ${host} expire dans ${days(left, fr)}` : `The certificate of ${host} expires in ${days(left, fr)}`;
  }
  return { title, detail: `${seenBy}${levelText}.` };
}
