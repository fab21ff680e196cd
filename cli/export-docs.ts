/** Writes the generated docs (docs/protocol.md, docs/configuration.md): `npm run docs`. */
import { writeFileSync } from 'node:fs';
import { renderProtocolDoc } from '../protocol/docs.js';
import { renderConfigDoc } from './config-docs.js';

for (const [file, render] of [['protocol.md', renderProtocolDoc], ['configuration.md', renderConfigDoc]] as const) {
  const target = new URL(`../../docs/${file}`, import.meta.url);
  writeFileSync(target, render());
  process.stdout.write(`wrote ${target.pathname}\n`);
}
