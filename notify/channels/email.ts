import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type nodemailer from 'nodemailer';
import { OutboundRefused } from '../../core/outbound-guard.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { EmailChannel } from '../channel-config.js';
import { DeliveryError } from '../delivery-error.js';
import { plainText, subjectOf } from '../message-text.js';
import type { AlertNotice, SendContext } from '../types.js';

/**
 * Email over SMTP with nodemailer. `security` maps to nodemailer's three
 * modes: `tls` is implicit TLS (`secure`, port 465), `starttls` upgrades a
 * plain connection and fails if the server does not offer STARTTLS
 * (`requireTLS`: no silent fallback to clear text), `none` never upgrades.
 */

export interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
}

export function format(config: EmailChannel, notices: readonly AlertNotice[], ctx: SendContext): EmailMessage {
  return {
    from: config.from,
    to: [...config.to],
    subject: subjectOf(notices, ctx.lang),
    text: `${plainText(notices, ctx.lang)}\n\n-- \nVigie\n`,
    // RFC 3834: out-of-office robots must not answer an alert.
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

/**
 * The nodemailer options for a channel (exported so a test can read them).
 * `address` is where to connect, already checked by the outbound guard: the
 * configured name stays the TLS server name (SNI and certificate check).
 */
export function transportOptions(config: EmailChannel, timeoutMs: number, address: string = config.host): SMTPTransport.Options {
  let ca: Buffer | undefined;
  if (config.caFile !== undefined) {
    try {
      ca = readFileSync(config.caFile);
    } catch (error) {
      throw new DeliveryError(`caFile: cannot read "${config.caFile}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`, false);
    }
  }
  return {
    host: address,
    ...(isIP(config.host) ? {} : { servername: config.host }),
    port: config.port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    ...(config.username !== undefined ? { auth: { user: config.username, pass: config.password ?? '' } } : {}),
    tls: { rejectUnauthorized: config.tlsRejectUnauthorized, ...(ca ? { ca } : {}) },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
}

let loaded: typeof nodemailer | undefined;

/**
 * nodemailer, loaded by the first email sent: its ~90 modules (MIME, DKIM,
 * transports) would otherwise sit in the memory of every `vigie up`, most of
 * which never send one (bench/memory/up.ts; the Pi 3 budget).
 */
async function loadNodemailer(): Promise<typeof nodemailer> {
  if (loaded) return loaded;
  const m = (await import('nodemailer')) as { default?: typeof nodemailer };
  const lib: typeof nodemailer = m.default ?? (m as typeof nodemailer);
  loaded = lib;
  return lib;
}

export async function send(config: EmailChannel, notices: readonly AlertNotice[], ctx: SendContext): Promise<void> {
  let address: string;
  try {
    // Resolved and checked here, then pinned: nodemailer connects to this address and nothing else.
    [address] = (await ctx.guard.resolve(config.host)) as [string];
  } catch (error) {
    if (error instanceof OutboundRefused) throw new DeliveryError(`host: ${error.message}`, false);
    // A name that does not resolve says nothing about ports: say so, it is likely a typo.
    throw new DeliveryError(`host: cannot resolve ${config.host} (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`, true);
  }
  const transport = (await loadNodemailer()).createTransport(transportOptions(config, ctx.timeoutMs, address));
  try {
    await transport.sendMail(format(config, notices, ctx));
  } catch (error) {
    throw classify(error, config);
  } finally {
    transport.close();
  }
}

/**
 * SMTP replies say whether to retry: 4xx is temporary, 5xx permanent
 * (RFC 5321 §4.2.1). Without a reply, a connection problem is retried; a
 * refused login or a TLS failure is a setting to fix, not worth retrying.
 */
function classify(error: unknown, config: EmailChannel): DeliveryError {
  const e = error as { code?: string; responseCode?: number; message?: string };
  // Before any SMTP reply, refused, timed out, reset or not SMTP all read the same: telling
  // them apart would let a channel scan ports (issue 10 item 4).
  if (!e.responseCode && e.code !== 'EAUTH' && e.code !== 'ETLS' && !/certificate|self[- ]signed|STARTTLS/i.test(e.message ?? '')) return unreachable(config);
  // nodemailer's message quotes the server's reply; it never holds the password.
  const text = (e.message ?? String(error)).replace(/\s+/g, ' ').slice(0, 300);
  const message = `SMTP ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${text}`;
  if (e.code === 'EAUTH' || e.code === 'ETLS' || /certificate|self[- ]signed/i.test(text)) return new DeliveryError(message, false);
  if (e.responseCode) return new DeliveryError(message, e.responseCode < 500);
  return new DeliveryError(message, true);
}

/** The one message for "no SMTP conversation happened", whatever the cause; retried. */
function unreachable(config: EmailChannel): DeliveryError {
  return new DeliveryError(`SMTP: no SMTP server answered at ${config.host}:${config.port}`, true);
}
