import type { BackupStatus } from '../../../backup/schedule.js';
import type { Request, Response } from 'express';
import type { Accounts } from '../../../accounts/index.js';
import type { Logger } from '../../../core/logger.js';
import type { Clock } from '../../../core/time.js';
import type { EventLog, NewEvent } from '../../../events/event-log.js';
import type { AlertService } from '../../../alerts/service.js';
import type { BrokerStats } from '../../../broker/index.js';
import type { IngestHandle } from '../../../ingest/types.js';
import type { StatusPageStore } from '../../../status-page/store.js';
import type { CheckStore } from '../../../checks/store.js';
import type { CheckCatalog } from '../../../checks/types.js';
import type { ScriptParamsLookup } from '../../../checks/validate.js';
import type { DevicesContext } from './devices.js';
import type { ScriptsContext } from './scripts.js';
import type { ChannelStore } from '../../../notify/channel-store.js';
import type { Notifier } from '../../../notify/notifier.js';
import type { LoginThrottle } from '../../../accounts/login-throttle.js';
import type { LoginService } from '../auth/login.js';
import { callerName, type Caller } from '../auth/caller.js';
import { callerOf } from '../auth/guards.js';

/** What the API routers share. */
export interface ApiContext {
  ingest: IngestHandle;
  accounts: Accounts;
  login: LoginService;
  events: EventLog;
  log: Logger;
  clock: Clock;
  /** Set `Secure` on the session cookie (the server speaks HTTPS). */
  secureCookies: boolean;
  /** Lifetime of the session cookie, ms. */
  sessionMaxMs: number;
  /** The broker URL handed to agents when they enroll. */
  publicBroker(): string;
  /** The dashboard's URL as other machines reach it (http.publicUrl, or this box's LAN address): install lines use it. */
  publicUrl(): string;
  /** PEM an enrolling agent must trust for the broker (a self-signed broker.tls certificate), else null. */
  brokerCa?(): string | null;
  /** Lifetime of a new enrollment token, ms (auth.enrollTokenMinutes). */
  enrollTokenTtlMs: number;
  /** Failed uses of enrollment tokens, per address (the login's throttle rules, on a throttle of their own). */
  enrollThrottle: LoginThrottle;
  /** Where the install scripts and the agent bundle are read from (tests point these elsewhere). */
  installDirs?: { scripts?: string; agent?: string };
  /** Tells the broker that MQTT credentials changed (a revoked agent is cut at once). */
  credentialsChanged(): void;
  /** Re-checks live sockets against the accounts (access, roles, tokens) now, not at the next sweep. */
  accountsChanged(): void;
  /** The alert service, when this server evaluates alerts. */
  alerts?: AlertService;
  /** Notification channels and the notifier that sends to them. */
  channels?: { store: ChannelStore; notifier: Notifier };
  /** The box's OLED frame now, when the box runs its screen. */
  boxDisplay?(): BoxFrame | null;
  /** The embedded broker's counters, when this process runs the broker. */
  broker?(): BrokerStats | null;
  /** Scheduled backups' state (backup/schedule.ts), when this process runs them. */
  backup?(): BackupStatus | null;
  /** Public status pages (issue 12), when this server serves them. */
  statusPages?: StatusPageStore;
  /** Network check definitions (issue 12), when this server manages checks. */
  checks?: ChecksContext;
  /** SNMP device definitions (issue 13), when this server manages devices. */
  devices?: DevicesContext;
  /** The script library and its runs (issue 14), when this server has them. */
  scripts?: ScriptsContext;
  /** The box's public signing key (core/signing.ts), handed to enrolling agents to pin (issue 14). */
  serverKey?: { publicKey: string; fingerprint: string };
}

/** The check definitions the API reads and changes. */
export interface ChecksContext {
  catalog: CheckCatalog;
  store: CheckStore;
  /** The runner of a check that names none: the box's own agent (`vigie up`), else null (runners required). */
  defaultRunner: string | null;
  /** A check script's parameters (issue 14, the script library), to check a script check's arguments; null: no such check script. */
  scriptParams?: ScriptParamsLookup;
}

/** One OLED frame: `bits` is the base64 of the SSD1306 page-major buffer (8 vertical pixels per byte). */
export interface BoxFrame {
  width: number;
  height: number;
  bits: string;
}

/** The peer's address, for throttling and the event log (no proxy headers are trusted). */
export const addressOf = (req: Request): string => req.socket.remoteAddress ?? 'unknown';

/**
 * Records a change on behalf of the request's caller. Every change of
 * accounts goes through here, so it is also where live sockets are told:
 * a host shared no more leaves the socket's rooms before the answer is sent.
 */
export function audit(ctx: ApiContext, req: Request, res: Response, event: Omit<NewEvent, 'user' | 'address'>): void {
  const caller: Caller = callerOf(res);
  ctx.events.append({ ...event, user: callerName(caller), address: addressOf(req) });
  ctx.accountsChanged();
}
