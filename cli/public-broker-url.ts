import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lanAddresses } from '../core/net.js';
import type { VigieConfig } from './config.js';

/**
 * The broker URL agents on other machines are told to use: `http.publicBroker`
 * when set, else this box's first LAN address with the TLS port when TLS is
 * on (agents then verify the certificate), or the plain port.
 */
export function publicBrokerUrl(config: VigieConfig, ports: { port?: number; tlsPort?: number } = {}): string {
  if (config.http.publicBroker) return config.http.publicBroker;
  const host = config.broker.host === '0.0.0.0' || config.broker.host === '::' ? (lanAddresses()[0] ?? '127.0.0.1') : config.broker.host;
  const shown = host.includes(':') ? `[${host}]` : host;
  if (config.broker.tls) return `mqtts://${shown}:${ports.tlsPort ?? config.broker.tls.port}`;
  return `mqtt://${shown}:${ports.port ?? config.broker.port}`;
}

/**
 * The PEM an enrolling agent should pin for the broker: broker.tls's
 * certificate when it is self-signed (the usual box), else null (a
 * certificate from a public CA is checked against the system CAs; pinning
 * its leaf would break at its next renewal). Read at each enrollment, so a
 * renewed certificate is handed out without a restart.
 */
export function brokerCaPem(config: VigieConfig): string | null {
  if (!config.broker.tls) return null;
  try {
    const pem = readFileSync(config.broker.tls.cert, 'utf8');
    const leaf = new X509Certificate(pem);
    return leaf.issuer === leaf.subject && leaf.checkIssued(leaf) ? pem : null;
  } catch {
    return null;
  }
}
