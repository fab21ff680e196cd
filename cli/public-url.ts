import { lanAddresses } from '../core/net.js';
import type { VigieConfig } from './config.js';

/**
 * The dashboard's URL as other machines reach it (issue 11): `http.publicUrl`
 * when set, else this box's first LAN address (when the server listens on
 * every address) or its bound address, with the port it listens on. Install
 * lines, notification links and the agent bundle's URL use it.
 */
export function publicDashboardUrl(config: VigieConfig, listening: { port?: number } = {}): string {
  if (config.http.publicUrl) return config.http.publicUrl.replace(/\/+$/, '');
  const bound = config.http.host;
  const host = bound === '0.0.0.0' || bound === '::' || bound === '' ? (lanAddresses()[0] ?? '127.0.0.1') : bound;
  const shown = host.includes(':') ? `[${host}]` : host;
  return `${config.http.tls ? 'https' : 'http'}://${shown}:${listening.port ?? config.http.port}`;
}
