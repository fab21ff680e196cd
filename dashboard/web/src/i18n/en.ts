/**
 * Every English string of the browser app. fr.ts must have exactly these keys
 * (its type says so). `{name}` placeholders are filled by t().
 */
export const en = {
  'app.tagline': 'Fleet monitor',
  'nav.overview': 'Overview',
  'lang.label': 'Language',
  'conn.live': 'Live',
  'conn.connecting': 'Connecting…',
  'conn.lost': 'Disconnected',

  'state.online': 'Online',
  'state.warning': 'Warning',
  'state.critical': 'Critical',
  'state.offline': 'Offline',

  'overview.title': 'Hosts',
  'overview.count': '{n} hosts',
  'overview.empty.title': 'No hosts yet',
  'overview.empty.body': 'Start an agent pointed at this server and its host appears here within seconds.',
  'overview.loading': 'Loading hosts…',

  'card.cpu': 'CPU',
  'card.ram': 'RAM',
  'card.disk': 'Disk',
  'card.uptime': 'Up {d}',
  'card.lastSeen': 'Seen {ago}',
  'card.noData': 'No data yet',

  'time.now': 'just now',
  'time.seconds': '{n} s ago',
  'time.minutes': '{n} min ago',
  'time.hours': '{n} h ago',
  'time.days': '{n} d ago',
  'time.never': 'never',
  'dur.days': '{n} d',
  'dur.hours': '{n} h',
  'dur.minutes': '{n} min',
  'dur.seconds': '{n} s',

  'units.bytes': 'B,KiB,MiB,GiB,TiB,PiB',
  'units.perSecond': '{v}/s',

  'host.back': 'All hosts',
  'host.notFound': 'No host named “{id}”.',
  'host.loadError': 'Could not load this host: {msg}',
  'host.stat.cpu': 'CPU',
  'host.stat.memory': 'Memory',
  'host.stat.swap': 'Swap',
  'host.stat.load': 'Load (1 / 5 / 15 min)',
  'host.stat.uptime': 'Uptime',
  'host.stat.processes': 'Processes',
  'host.stat.temperature': 'CPU temperature',
  'host.history': 'History',

  'range.15m': '15 min',
  'range.1h': '1 h',
  'range.24h': '24 h',
  'range.7d': '7 d',
  'range.30d': '30 d',

  'chart.cpu': 'CPU',
  'chart.memory': 'Memory',
  'chart.disks': 'Disks',
  'chart.network': 'Network',
  'chart.noData': 'No data for this period',
  'chart.loadError': 'Could not load history',
  'series.usage': 'Usage',
  'series.iowait': 'I/O wait',
  'series.ram': 'RAM',
  'series.swap': 'Swap',
  'series.rx': '{iface} in',
  'series.tx': '{iface} out',

  'info.title': 'System',
  'info.os': 'Operating system',
  'info.kernel': 'Kernel',
  'info.arch': 'Architecture',
  'info.cpu': 'Processor',
  'info.cores': '{n} cores',
  'info.memory': 'Memory',
  'info.boot': 'Booted',
  'info.addresses': 'Addresses',
  'info.agent': 'Agent',
  'info.none': 'The agent has not sent its system information yet.',

  'services.title': 'Services',
  'services.summary': '{running} running of {n}',
  'services.none': 'No services reported.',
  'services.filter': 'Filter services',
  'services.noMatch': 'No service matches.',
  'services.enabled': 'at boot',
  'service.running': 'running',
  'service.stopped': 'stopped',
  'service.failed': 'failed',
  'service.starting': 'starting',
  'service.stopping': 'stopping',
  'service.unknown': 'unknown',
} as const;

export type MessageKey = keyof typeof en;
/** The shape every language must have: exactly en's keys. */
export type Messages = { readonly [K in MessageKey]: string };
