import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
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

/** The nodemailer options for a channel (exported so a test can read them). */
export function transportOptions(config: EmailChannel, timeoutMs: number): SMTPTransport.Options {
  let ca: Buffer | undefined;
  if (config.caFile !== undefined) {
    try {
      ca = readFileSync(config.caFile);
    } catch (error) {
      throw new DeliveryError(`caFile: cannot read "${config.caFile}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`, false);
    }
  }
  return {
    host: config.host,
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

export async function send(config: EmailChannel, notices: readonly AlertNotice[], ctx: SendContext): Promise<void> {
  const transport = nodemailer.createTransport(transportOptions(config, ctx.timeoutMs));
  try {
    await transport.sendMail(format(config, notices, ctx));
  } catch (error) {
    throw classify(error);
  } finally {
    transport.close();
  }
}

/**
 * SMTP replies say whether to retry: 4xx is temporary, 5xx permanent
 * (RFC 5321 §4.2.1). Without a reply, a connection problem is retried; a
 * refused login or a TLS failure is a setting to fix, not worth retrying.
 */
function classify(error: unknown): DeliveryError {
  const e = error as { code?: string; responseCode?: number; message?: string };
  // nodemailer's message quotes the server's reply; it never holds the password.
  const text = (e.message ?? String(error)).replace(/\s+/g, ' ').slice(0, 300);
  const message = `SMTP ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${text}`;
  if (e.code === 'EAUTH' || e.code === 'ETLS' || /certificate|self[- ]signed/i.test(text)) return new DeliveryError(message, false);
  if (e.responseCode) return new DeliveryError(message, e.responseCode < 500);
  return new DeliveryError(message, true);
}
