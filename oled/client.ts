import { hostname } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { onceClose, type Handle } from '../core/lifecycle.js';
import { createLogger, createRateLimitedLog, type Logger } from '../core/logger.js';
import { lanAddresses } from '../core/net.js';
import { secondsToMs, systemClock, type Clock } from '../core/time.js';
import { readCaFile } from '../core/tls.js';
import { normaliseHostId } from '../protocol/host-id.js';
import { decodePayload } from '../protocol/payloads.js';
import { createTopics } from '../protocol/topics.js';
import type { OledConfig } from './config.js';
import { createMemoryDisplay, startSsd1306Display, type Display, type DisplayStatus } from './display.js';
import { Framebuffer, type ScreenSize } from './framebuffer.js';
import { openI2cBus } from './i2c.js';
import { render } from './pages.js';
import { DIM_CONTRAST, nightMode, Pager, type PageName } from './schedule.js';
import { frameSnapshot, toPng, toText, type FrameSnapshot } from './simulator.js';
import { fromAlert, fromMetrics, fromSummary, type OledState, type ShownAlert } from './state.js';
import type { I2cBus } from './ssd1306.js';

export interface OledDeps {
  /** Topic prefix (`mqtt.prefix`). */
  prefix: string;
  /** The box's host id; overrides `config.host` (in `vigie up`: the local agent's id). */
  host?: string;
  /**
   * Where frames go. Default: the SSD1306 when `config.enabled`, else a
   * memory display (the dashboard still gets frames). `simulateToTerminal(process.stdout)` for --simulate.
   */
  display?: Display;
  /** Opens the I2C bus for the SSD1306; default `openI2cBus` (the optional i2c-bus module). */
  openBus?: (bus: number) => Promise<I2cBus>;
  log?: Logger;
  clock?: Clock;
  /** ms between redraws (default 1000). */
  tickMs?: number;
}

export interface OledHandle extends Handle {
  /** The frame on screen now, for `GET /api/box/display`. */
  frame(): FrameSnapshot;
  /** The frame on screen now as a PNG (blue-white look, ×4). */
  png(): Buffer;
  /** The frame on screen now as half-block text. */
  text(): string;
  /** What the pages are drawn from (hosts online/offline, alerts, the box's load). */
  state(): Readonly<OledState>;
  /** The page on screen now. */
  page(): PageName;
  display(): DisplayStatus;
  /** True while connected to the broker and subscribed. */
  connected(): boolean;
}

const END_TIMEOUT_MS = 2000;

/**
 * The OLED as an MQTT client like any other: it reads the retained server
 * summary, the retained alerts of every host and the box's own metrics,
 * redraws every second, rotates pages every `config.rotate` seconds, jumps to
 * the alert page when a new critical alert fires, applies the night schedule,
 * and shows the frames on a display. It starts at once and reconnects
 * forever; a missing display is a logged warning (see display.ts).
 */
export function startOled(config: OledConfig, deps: OledDeps): OledHandle {
  const log = deps.log ?? createLogger('oled');
  const clock = deps.clock ?? systemClock;
  const warn = createRateLimitedLog(log, 30_000);
  const topics = createTopics(deps.prefix);
  const host = boxHostId(deps.host ?? config.host);
  const size = { width: config.width, height: config.height } as ScreenSize;
  const metricsTopic = topics.host(host, 'metrics');

  const display = deps.display ?? defaultDisplay(config, deps, log);
  const status = display.status();
  if (status.reason) log.info(`display off: ${status.reason}`);

  const alerts = new Map<string, ShownAlert>();
  // Critical alerts already put on screen: kept across reconnections so the retained ones do not jump again.
  const seenCritical = new Set<string>();
  const state: OledState = { size, host, localAddresses: lanAddresses(), metrics: null, summary: null, alerts: [], night: false };
  const pager = new Pager(secondsToMs(config.rotate), clock.now());
  let current: Framebuffer = render(state, pager.page(clock.now()), clock.now());
  let currentPage: PageName = 'box';
  let subscribed = false;
  let rejected = 0;

  const redraw = (): void => {
    const now = clock.now();
    const night = nightMode(config.night, new Date(now));
    state.night = night === 'dim';
    display.setPower(night !== 'off');
    display.setContrast(night === 'dim' ? DIM_CONTRAST : config.contrast);
    state.alerts = [...alerts.values()];
    currentPage = pager.page(now);
    current = render(state, currentPage, now);
    display.show(current);
  };

  const onAlert = (key: string, payload: Buffer): void => {
    if (payload.length === 0) {
      // An empty retained message clears the alert (protocol/schemas/alert.ts).
      alerts.delete(key);
      seenCritical.delete(key);
      return;
    }
    const decoded = decodePayload('alert', payload);
    if (!decoded.ok) return reject(key, decoded.error);
    const next = fromAlert(decoded.value);
    alerts.set(key, next);
    // A new critical (or one escalated from warning) goes on screen at once; maintenance ones are not urgent.
    if (next.severity !== 'critical' || next.maintenance) seenCritical.delete(key);
    else if (!seenCritical.has(key)) {
      seenCritical.add(key);
      pager.show('alert', clock.now());
      redraw();
    }
  };

  const reject = (topic: string, error: string): void => {
    rejected += 1;
    warn(`invalid:${topic}`, 'invalid payload ignored', { topic, error, rejected });
  };

  const onMessage = (topic: string, payload: Buffer): void => {
    if (topic === topics.serverSummary()) {
      const decoded = decodePayload('summary', payload);
      if (decoded.ok) state.summary = fromSummary(decoded.value);
      else if (payload.length === 0) state.summary = null;
      else reject(topic, decoded.error);
      return;
    }
    if (topic === metricsTopic) {
      const decoded = decodePayload('metrics', payload);
      if (decoded.ok) state.metrics = fromMetrics(decoded.value);
      else reject(topic, decoded.error);
      return;
    }
    const parsed = topics.parse(topic);
    if (parsed?.kind === 'alert') onAlert(`${parsed.host}\u0000${parsed.rule}`, payload);
  };

  const client: MqttClient = mqtt.connect(config.broker, {
    clientId: `vigie-oled-${host}-${Math.random().toString(16).slice(2, 8)}`,
    // A clean session: everything we show is retained or sent every few seconds.
    clean: true,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    resubscribe: false,
    ...(config.ca ? { ca: readCaFile(config.ca, 'oled.ca') } : {}),
  });
  client.on('connect', () => {
    // Retained alerts come again on subscribing [MQTT-3.3.1-6]; those cleared while we were away do not.
    alerts.clear();
    client.subscribe({ [topics.serverSummary()]: { qos: 1 }, [topics.allAlerts()]: { qos: 1 }, [metricsTopic]: { qos: 0 } }, (error, granted) => {
      if (error || granted?.some((g) => g.qos === 128)) {
        warn('subscribe', 'subscription refused: are these reader credentials? (vigie credentials add --service reader --name oled)', { err: error?.message });
        return;
      }
      subscribed = true;
      log.info({ broker: config.broker, host }, 'reading the summary, alerts and the box\'s metrics');
    });
  });
  client.on('message', (topic, payload) => onMessage(topic, payload));
  client.on('close', () => {
    subscribed = false;
  });
  client.on('error', (error) => warn('error', 'broker connection error', { broker: config.broker, err: error.message }));

  redraw();
  const timer = setInterval(redraw, deps.tickMs ?? 1000);

  return {
    frame: () => frameSnapshot(current),
    png: () => toPng(current),
    text: () => toText(current),
    state: () => ({ ...state, alerts: [...alerts.values()] }),
    page: () => currentPage,
    display: () => display.status(),
    connected: () => subscribed && client.connected,
    close: onceClose(async () => {
      clearInterval(timer);
      const ended = new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
      const cut = setTimeout(() => client.end(true), END_TIMEOUT_MS);
      await ended;
      clearTimeout(cut);
      await display.close();
    }),
  };
}

function boxHostId(raw: string | undefined): string {
  const id = normaliseHostId(raw ?? hostname());
  if (!id.ok) throw new Error(`oled.host: ${id.error}`);
  return id.value;
}

function defaultDisplay(config: OledConfig, deps: OledDeps, log: Logger): Display {
  if (!config.enabled) return createMemoryDisplay('no display configured (oled.enabled is false); the dashboard shows the simulated screen');
  const open = deps.openBus ?? openI2cBus;
  return startSsd1306Display({
    open: () => open(config.bus),
    bus: config.bus,
    address: config.address,
    width: config.width,
    height: config.height,
    contrast: config.contrast,
    flip: config.flip,
    retryMs: secondsToMs(config.retry),
    log,
  });
}
