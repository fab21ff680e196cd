import type { Lang } from '../alerts/words.js';

/** Every word of the public page, in English and French (issue 12, item 7). */
export interface StatusWords {
  overall: Record<'operational' | 'partial' | 'major' | 'unknown', string>;
  hostState: Record<'online' | 'offline' | 'unknown', string>;
  checkState: Record<'up' | 'down' | 'partial' | 'pending' | 'paused', string>;
  incidentState: Record<'investigating' | 'identified' | 'monitoring' | 'resolved', string>;
  kind: Record<string, string>;
  hosts: string;
  checks: string;
  maintenance: string;
  maintenanceNow: string;
  maintenanceNext: string;
  incidents: string;
  pastIncidents: string;
  noIncidents: string;
  days90: string;
  today: string;
  noData: string;
  availability90(percent: string): string;
  dayBar(date: string, value: string): string;
  updated(time: string): string;
  poweredBy: string;
  langSwitch: string;
  notFound: string;
  tooMany: string;
}

export const STATUS_WORDS: Record<Lang, StatusWords> = {
  en: {
    overall: { operational: 'All systems operational', partial: 'Partial outage', major: 'Major outage', unknown: 'No data yet' },
    hostState: { online: 'Online', offline: 'Offline', unknown: 'No data' },
    checkState: { up: 'Up', down: 'Down', partial: 'Partial outage', pending: 'No data yet', paused: 'Paused' },
    incidentState: { investigating: 'Investigating', identified: 'Identified', monitoring: 'Monitoring', resolved: 'Resolved' },
    kind: { ping: 'Ping', tcp: 'TCP', http: 'HTTP', dns: 'DNS', tls: 'TLS certificate' },
    hosts: 'Machines',
    checks: 'Services',
    maintenance: 'Maintenance',
    maintenanceNow: 'In progress',
    maintenanceNext: 'Planned',
    incidents: 'Current incidents',
    pastIncidents: 'Past incidents',
    noIncidents: 'No incident reported in the last 14 days.',
    days90: '90 days ago',
    today: 'Today',
    noData: 'no data',
    availability90: (p) => `${p} available over 90 days`,
    dayBar: (d, v) => `${d}: ${v}`,
    updated: (t) => `Updated ${t}`,
    poweredBy: 'Status page by Vigie',
    langSwitch: 'Français',
    notFound: 'No such status page.',
    tooMany: 'Too many requests: wait a minute and reload.',
  },
  fr: {
    overall: { operational: 'Tous les systèmes fonctionnent', partial: 'Panne partielle', major: 'Panne majeure', unknown: 'Pas encore de données' },
    hostState: { online: 'En ligne', offline: 'Hors ligne', unknown: 'Pas de données' },
    checkState: { up: 'Disponible', down: 'En panne', partial: 'Panne partielle', pending: 'Pas encore de données', paused: 'En pause' },
    incidentState: { investigating: 'Analyse en cours', identified: 'Cause identifiée', monitoring: 'Sous surveillance', resolved: 'Résolu' },
    kind: { ping: 'Ping', tcp: 'TCP', http: 'HTTP', dns: 'DNS', tls: 'Certificat TLS' },
    hosts: 'Machines',
    checks: 'Services',
    maintenance: 'Maintenance',
    maintenanceNow: 'En cours',
    maintenanceNext: 'Prévue',
    incidents: 'Incidents en cours',
    pastIncidents: 'Incidents passés',
    noIncidents: 'Aucun incident signalé ces 14 derniers jours.',
    days90: 'Il y a 90 jours',
    today: "Aujourd'hui",
    noData: 'pas de données',
    availability90: (p) => `${p} de disponibilité sur 90 jours`,
    dayBar: (d, v) => `${d} : ${v}`,
    updated: (t) => `Mis à jour ${t}`,
    poweredBy: 'Page d’état par Vigie',
    langSwitch: 'English',
    notFound: 'Cette page d’état n’existe pas.',
    tooMany: 'Trop de requêtes : attendez une minute puis rechargez.',
  },
};

/** A percentage as people read it in each language: `99.95 %`, `99,95 %`. */
export function percentText(value: number | null, lang: Lang): string {
  if (value === null) return STATUS_WORDS[lang].noData;
  // Two decimals only where they matter: 100 % stays 100 %, 99.951 reads 99.95 %.
  const rounded = value >= 100 ? '100' : (Math.floor(value * 100) / 100).toFixed(2);
  return `${lang === 'fr' ? rounded.replace('.', ',') : rounded}\u00a0%`;
}
