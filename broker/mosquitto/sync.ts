import { resolve } from 'node:path';
import type { MqttCredentialStore } from '../../accounts/mqtt-credentials.js';
import type { Logger } from '../../core/logger.js';
import type { BrokerConfig } from '../config.js';
import type { MosquittoConfig } from './config.js';
import { aclFile, mosquittoConf, passwordFile } from './files.js';
import { reloadMosquitto, writeMosquittoFiles, type MosquittoFiles, type ReloadTarget } from './write.js';

/** What the files are made of. */
export interface MosquittoSources {
  mosquitto: MosquittoConfig & { dir: string };
  broker: Pick<BrokerConfig, 'sessionQueue' | 'maxPacketSize'>;
  prefix: string;
  haPrefix: string;
  credentials: Pick<MqttCredentialStore, 'list'>;
  devices: { list(): readonly { id: string; poller: string }[] };
}

/** The three files, and the credentials the password file had to leave out (no Mosquitto hash: rotate them). */
export function buildMosquittoFiles(s: MosquittoSources): MosquittoFiles & { missing: string[] } {
  const dir = resolve(s.mosquitto.dir);
  const credentials = s.credentials.list();
  const passwd = passwordFile(credentials);
  return {
    conf: mosquittoConf({
      dir,
      host: s.mosquitto.host,
      port: s.mosquitto.port,
      maxInflightMessages: s.mosquitto.maxInflightMessages,
      sessionQueue: s.broker.sessionQueue,
      maxPacketSize: s.broker.maxPacketSize,
      user: s.mosquitto.user,
    }),
    passwd: passwd.text,
    acl: aclFile({ prefix: s.prefix, haPrefix: s.haPrefix, credentials, devices: s.devices.list().map((d) => ({ id: d.id, poller: d.poller })) }),
    missing: passwd.missing,
  };
}

/** The reload the config asks for; null when none (the files are written, Mosquitto reloads when told). */
export function reloadTarget(c: MosquittoConfig): ReloadTarget | null {
  if (c.pidFile) return { pidFile: c.pidFile };
  if (c.reloadCommand) return { command: c.reloadCommand };
  return null;
}

export interface MosquittoSync {
  /** Something changed (credentials, devices): rewrite soon, reload if a file changed. */
  changed(): void;
  /** Resolves once every change asked for so far is written and reloaded (tests, shutdown). */
  idle(): Promise<void>;
  /** How many reloads were made (tests, diagnostics). */
  reloads(): number;
  close(): Promise<void>;
}

/**
 * Keeps Mosquitto in step (issue 15, item 4): on enrollment, credential add,
 * rotation, revocation, host removal and device changes, the files are
 * rewritten and, when one changed, Mosquitto is told to reload. Changes
 * made in this process are announced by `changed()`; changes made by
 * another process (`vigie credentials revoke`) are found by polling
 * accounts.db's `data_version`, as the embedded broker's authenticator does
 * (accounts/broker-authenticator.ts). Writes are serialised and coalesced:
 * a burst of changes gives one rewrite and at most one reload after the
 * one in progress.
 */
/** Delay before a failed rewrite or reload is tried again. */
const RETRY_MS = 10_000;

export function startMosquittoSync(s: MosquittoSources & { dataVersion: () => number; onDevicesChange?: (listener: () => void) => () => void; log: Logger; pollMs?: number }): MosquittoSync {
  const target = reloadTarget(s.mosquitto);
  let reloadCount = 0;
  let running: Promise<void> = Promise.resolve();
  let pending = false;
  let closed = false;
  let warnedMissing = '';
  /** The files changed since Mosquitto last reloaded: a failed reload (no such pid, a failing command) is owed until one succeeds. */
  let reloadOwed = false;
  let retry: NodeJS.Timeout | undefined;

  const once = async (): Promise<void> => {
    const files = buildMosquittoFiles(s);
    const key = files.missing.join(',');
    if (files.missing.length > 0 && key !== warnedMissing) {
      s.log.warn({ usernames: files.missing }, 'credentials made before Vigie kept Mosquitto hashes are left out of the password file: rotate them (docs/mosquitto.md)');
    }
    warnedMissing = key;
    const written = writeMosquittoFiles(s.mosquitto.dir, files, { group: s.mosquitto.group });
    if (written.length > 0) s.log.info({ files: written, dir: s.mosquitto.dir }, 'mosquitto files rewritten');
    if (written.some((f) => f !== 'mosquitto.conf')) reloadOwed = true;
    if (!target || !reloadOwed) return;
    await reloadMosquitto(target);
    reloadOwed = false;
    reloadCount += 1;
  };

  const changed = (): void => {
    if (closed || pending) return;
    pending = true;
    running = running.then(async () => {
      pending = false;
      if (closed) return;
      try {
        await once();
      } catch (error) {
        // A revocation must not wait for an unrelated change: try again soon.
        s.log.error({ err: error }, 'keeping mosquitto in step failed; retried in 10 s and at the next change');
        if (!closed) {
          clearTimeout(retry);
          retry = setTimeout(changed, RETRY_MS);
          retry.unref();
        }
      }
    });
  };

  let version = s.dataVersion();
  const timer = setInterval(() => {
    const now = s.dataVersion();
    if (now !== version) {
      version = now;
      changed();
    }
  }, s.pollMs ?? 1000);
  timer.unref();
  const unsubscribe = s.onDevicesChange?.(changed);
  changed(); // at start: the files match the database before anyone connects

  return {
    changed,
    idle: async () => {
      // A change queued while waiting is waited for too.
      let seen: Promise<void>;
      do {
        seen = running;
        await seen;
      } while (seen !== running);
    },
    reloads: () => reloadCount,
    close: async () => {
      closed = true;
      clearInterval(timer);
      clearTimeout(retry);
      unsubscribe?.();
      await running;
    },
  };
}
