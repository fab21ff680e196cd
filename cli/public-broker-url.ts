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
