import type { Alert } from './types.js';
import { spokenBitRate, spokenNumber, spokenOfflineReason, type Lang } from './words.js';

/**
 * The words of SNMP devices' alerts (issue 13): why a device is offline, as
 * its poller said it, and what to check from which box; an interface down or
 * busy; what to look at on a device for its CPU, memory or disk. A device has no agent of its own: nothing here says "agent" about it,
 * it says the device did not answer its poller.
 */

export interface DeviceText {
  detail: string;
  advice: string;
}

/** True when an alert is about a device (its info said so, or, offline, a reason only a device's status gives). */
export const isDeviceAlert = (alert: Pick<Alert, 'device'>): boolean => alert.device !== undefined;

/** A device's offline alert in words: detail (with the poller's error) and advice naming the poller. */
export function deviceOfflineText(alert: Alert, lang: Lang, lasted: string, ended: boolean): DeviceText {
  const fr = lang === 'fr';
  const poller = alert.device?.poller ?? null;
  const address = alert.device?.address ?? null;
  const reason = alert.offlineReason ?? 'unknown';
  const error = alert.offlineError ?? '';
  const colon = fr ? ' : ' : ': ';
  // "its poller box" / "sa sonde box"; unnamed until the device's info has come.
  const its = fr ? (poller ? `sa sonde ${poller}` : 'sa sonde') : poller ? `its poller ${poller}` : 'its poller';
  const from = poller ?? (fr ? 'sa sonde' : 'its poller');
  const why = `${spokenOfflineReason(reason, lang)}${error ? `${colon}${error}` : ''}`;

  if (reason === 'poller-offline') {
    return {
      detail: ended
        ? (fr ? `État inconnu pendant ${lasted} : ${its} était hors ligne.` : `Unknown for ${lasted}: ${its} was offline.`)
        : (fr ? `Plus aucune nouvelle de l’équipement depuis ${lasted} : ${its} est hors ligne.` : `Nothing known of the device for ${lasted}: ${its} is offline.`),
      advice: fr
        ? `${poller ? `La sonde ${poller}` : 'La sonde'} est hors ligne : l’état de l’équipement est inconnu jusqu’à son retour. Remettez d’abord la sonde en ligne (voir sa propre alerte).`
        : `${poller ? `The poller ${poller}` : 'The poller'} is offline: the device's state is unknown until it is back. Bring the poller back first (see its own alert).`,
    };
  }
  if (ended) {
    return {
      detail: fr ? `L’équipement n’a pas répondu à ${its} pendant ${lasted} (${why}).` : `The device did not answer ${its} for ${lasted} (${why}).`,
      advice: '',
    };
  }
  const get = `snmpget -v2c -c COMMUNITY ${address ?? 'ADDRESS'} 1.3.6.1.2.1.1.3.0`;
  const said = error ? ` (${error})` : '';
  switch (reason) {
    case 'snmp-timeout':
      return {
        detail: fr ? `L’équipement ne répond plus à ${its} depuis ${lasted} (${why}).` : `The device has not answered ${its} for ${lasted} (${why}).`,
        advice: fr
          ? `Délai SNMP dépassé : vérifiez la communauté ou l’utilisateur, la liste d’accès de l’équipement et le port UDP 161 depuis ${from}. Une mauvaise communauté v2c ressemble à un délai dépassé : essayez \`${get}\` sur ${from}.`
          : `SNMP timeout: check the community or user, the device's access list and UDP 161 from ${from}. A wrong v2c community looks like a timeout: try \`${get}\` on ${from}.`,
      };
    case 'snmp-auth':
      return {
        detail: fr ? `L’équipement refuse les requêtes de ${its} depuis ${lasted} (${why}).` : `The device has refused the requests of ${its} for ${lasted} (${why}).`,
        advice: fr
          ? `Échec de l’authentification SNMP : vérifiez l’utilisateur v3, ses phrases secrètes et ses protocoles${said}, sur l’équipement et dans les réglages de l’équipement dans Vigie.`
          : `SNMP authentication failed: check the v3 user, its passphrases and protocols${said}, on the device and in the device's settings in Vigie.`,
      };
    case 'snmp-error':
      return {
        detail: fr ? `L’équipement répond à ${its} par une erreur depuis ${lasted} (${why}).` : `The device has answered ${its} with an error for ${lasted} (${why}).`,
        advice: fr
          ? `Erreur SNMP${said} : vérifiez que le service SNMP de l’équipement sert les MIB standard (SNMPv2-MIB, IF-MIB) à cette communauté ou cet utilisateur, et son journal.`
          : `SNMP error${said}: check that the device's SNMP service serves the standard MIBs (SNMPv2-MIB, IF-MIB) to this community or user, and its log.`,
      };
    default:
      // Missed intervals: the poller went quiet about this device without saying why.
      return {
        detail: fr ? `Aucune donnée de l’équipement reçue de ${its} depuis ${lasted} (${why}).` : `No data about the device from ${its} for ${lasted} (${why}).`,
        advice: fr
          ? `Vérifiez que ${from} est en ligne et interroge toujours cet équipement (ses réglages dans Vigie), puis que l’équipement lui répond en SNMP.`
          : `Check that ${from} is online and still polls this device (its settings in Vigie), then that the device answers it over SNMP.`,
      };
  }
}

// What to look at on a device (issue 13) instead of the agent's processes, directories and commands.
const DEVICE_ADVICE: Record<string, Record<Lang, string>> = {
  cpu: {
    en: 'Vigie polls this device over SNMP and cannot list its processes: look at its own management page or CLI (`show processes cpu`, or `top` over SSH on a NAS or firewall) for what keeps it busy; heavy traffic, a routing change or a scan are common causes.',
    fr: 'Vigie interroge cet équipement en SNMP et ne peut pas lister ses processus : regardez sa propre page d’administration ou sa ligne de commande (`show processes cpu`, ou `top` en SSH sur un NAS ou un pare-feu) pour voir ce qui l’occupe ; un fort trafic, un changement de routage ou un scan en sont des causes courantes.',
  },
  mem: {
    en: 'Vigie polls this device over SNMP and cannot list its processes: look at its own management page or CLI (`show memory`, or `top` over SSH) for what holds the memory; a firmware leak goes away with a planned reboot or an update.',
    fr: 'Vigie interroge cet équipement en SNMP et ne peut pas lister ses processus : regardez sa propre page d’administration ou sa ligne de commande (`show memory`, ou `top` en SSH) pour voir ce qui occupe la mémoire ; une fuite du micrologiciel disparaît avec un redémarrage planifié ou une mise à jour.',
  },
  disk: {
    en: 'Vigie polls this device over SNMP and cannot list its directories: look at its own management page or a shell on it (`df -h`, `du -sh /var/*`) for what fills the volume; logs, snapshots and old backups are the usual suspects.',
    fr: 'Vigie interroge cet équipement en SNMP et ne peut pas lister ses dossiers : regardez sa propre page d’administration ou un shell (`df -h`, `du -sh /var/*`) pour voir ce qui remplit le volume ; journaux, instantanés et anciennes sauvegardes sont les suspects habituels.',
  },
  temperature: {
    en: 'Check the device\'s fans and airflow and its own environment readings (`show environment`), dust it, and look at the room\'s temperature.',
    fr: 'Vérifiez les ventilateurs et l’aération de l’équipement et ses propres mesures d’environnement (`show environment`), dépoussiérez-le, et regardez la température de la pièce.',
  },
};
DEVICE_ADVICE.load = DEVICE_ADVICE.cpu!;
DEVICE_ADVICE.swap = DEVICE_ADVICE.mem!;
DEVICE_ADVICE.disk_forecast = DEVICE_ADVICE.disk!;

/** The advice of a device's host rule (CPU, memory, disk…); null for rules whose advice already fits a device (interfaces). */
export const deviceAdvice = (family: string, lang: Lang): string | null => DEVICE_ADVICE[family]?.[lang] ?? null;

/** Title and detail of an interface alert: "Interface ge-0/1 (uplink) down on router", "Interface ge-0/1 at 97 % of 1 Gbit/s on router". */
export function interfaceText(family: 'if_down' | 'if_util', alert: Alert, arg: string, hostName: string, lang: Lang, lasted: string, ended: boolean, sev: string): { title: string; detail: string } {
  const fr = lang === 'fr';
  const f = alert.iface;
  const name = `${f?.name ?? arg}${f?.alias ? ` (${f.alias})` : ''}`;
  if (family === 'if_down') {
    const oper = f?.oper ?? 'down';
    return {
      title: fr ? `Interface ${name} hors service sur ${hostName}` : `Interface ${name} down on ${hostName}`,
      detail: ended
        ? (fr ? `Hors service (« ${oper} ») alors qu’elle était activée, pendant ${lasted}.` : `Down ("${oper}") while administratively up, for ${lasted}.`)
        : (fr ? `État « ${oper} » alors qu’elle est activée (admin up), depuis ${lasted}.` : `State "${oper}" while administratively up, for ${lasted}.`),
    };
  }
  const of = f?.speed ? (fr ? ` de ${spokenBitRate(f.speed, lang)}` : ` of ${spokenBitRate(f.speed, lang)}`) : '';
  const threshold = `${spokenNumber(alert.threshold, lang)} %`;
  return {
    title: fr ? `Interface ${name} à ${spokenNumber(alert.value, lang)} %${of} sur ${hostName}` : `Interface ${name} at ${spokenNumber(alert.value, lang)} %${of} on ${hostName}`,
    detail: ended
      ? (fr ? `Utilisation au-dessus du seuil ${sev} de ${threshold} pendant ${lasted}.` : `Utilisation above the ${sev} threshold of ${threshold} for ${lasted}.`)
      : (fr ? `Utilisation au-dessus du seuil ${sev} de ${threshold} depuis ${lasted}.` : `Utilisation above the ${sev} threshold of ${threshold} for ${lasted}.`),
  };
}
