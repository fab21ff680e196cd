import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import { baseUrl, INSTALL_PATH } from '../../../accounts/enrollment.js';

/** infra/install in the repository, found from this compiled file (dist/dashboard/server/install/router.js). */
export const DEFAULT_SCRIPTS_DIR = fileURLToPath(new URL('../../../../infra/install/', import.meta.url));
/** dist/agent, where `npm run build` writes the agent bundle. */
export const DEFAULT_AGENT_DIR = fileURLToPath(new URL('../../../agent/', import.meta.url));

/** The bundle and its manifest, as `npm run build` writes them. */
export const BUNDLE_FILE = 'vigie-agent.mjs';
export const MANIFEST_FILE = 'vigie-agent.json';

/** What GET /install/vigie-agent.json answers: the build's manifest plus where to download the bundle. */
export interface AgentManifest {
  version: string;
  sha256: string;
  size: number;
  url: string;
}

/** The static files served as they are, with their content types. */
const SCRIPTS: Record<string, string> = {
  'agent.sh': 'text/x-shellscript; charset=utf-8',
  'agent.ps1': 'text/plain; charset=utf-8',
  'vigie-agent.service': 'text/plain; charset=utf-8',
};

const NOT_BUILT = 'The agent bundle is not built on this box: run `npm run build` there (it writes dist/agent/vigie-agent.mjs), then retry.\n';

/**
 * `/install/*` (issue 11): what an install line downloads. Public: no
 * session, as a machine being installed has none; the scripts and the bundle
 * hold no secret (the token in the line protects enrollment), and nothing is
 * templated into them. Always revalidated (`no-cache`) so an upgraded box
 * hands out its new bundle at once.
 */
export function createInstallRouter(opts: { publicUrl(): string; scriptsDir?: string; agentDir?: string }): Router {
  const scriptsDir = opts.scriptsDir ?? DEFAULT_SCRIPTS_DIR;
  const agentDir = opts.agentDir ?? DEFAULT_AGENT_DIR;
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-cache');
    next();
  });
  for (const [name, type] of Object.entries(SCRIPTS)) {
    router.get(`/${name}`, (_req, res) => sendFile(res, join(scriptsDir, name), type, `${name} is missing from this box's installation (infra/install/${name}).\n`));
  }
  router.get(`/${BUNDLE_FILE}`, (_req, res) => sendFile(res, join(agentDir, BUNDLE_FILE), 'text/javascript; charset=utf-8', NOT_BUILT));
  router.get(`/${MANIFEST_FILE}`, (_req, res) => {
    const path = join(agentDir, MANIFEST_FILE);
    if (!existsSync(path) || !existsSync(join(agentDir, BUNDLE_FILE))) return unavailable(res, NOT_BUILT);
    let built: Partial<AgentManifest>;
    try {
      built = JSON.parse(readFileSync(path, 'utf8')) as Partial<AgentManifest>;
    } catch {
      return unavailable(res, `dist/agent/${MANIFEST_FILE} is unreadable: run \`npm run build\` again.\n`);
    }
    const manifest: AgentManifest = {
      version: String(built.version),
      sha256: String(built.sha256),
      size: Number(built.size),
      url: `${baseUrl(opts.publicUrl())}${INSTALL_PATH}/${BUNDLE_FILE}`,
    };
    res.type('application/json').send(JSON.stringify(manifest));
  });
  router.use((_req, res) => {
    res.status(404).type('text/plain').send(`Not found: the box serves ${[...Object.keys(SCRIPTS), BUNDLE_FILE, MANIFEST_FILE].map((f) => `${INSTALL_PATH}/${f}`).join(', ')}\n`);
  });
  return router;
}

function sendFile(res: Response, path: string, type: string, missing: string): void {
  if (!existsSync(path)) return unavailable(res, missing);
  res.sendFile(path, { headers: { 'Content-Type': type }, cacheControl: false, dotfiles: 'deny' });
}

function unavailable(res: Response, message: string): void {
  res.status(503).type('text/plain').send(message);
}
