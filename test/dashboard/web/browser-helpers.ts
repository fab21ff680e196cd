/**
 * Shared by the Chromium suites of issue 3 (security, newcomer): launching
 * the system Chromium through playwright-core (never a downloaded browser),
 * screenshots, and signing in through the login form as a person would.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { requireProgram } from '../../helpers/env.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = new URL('../../../../test-output/screenshots/', import.meta.url);

/** True when Chromium is installed; otherwise skips (or fails under CI) like browser.test.ts. */
export function haveChromium(): boolean {
  return requireProgram('chromium', existsSync(CHROMIUM));
}

/** A headless Chromium; each test opens its own context (own cookies) with browser.newContext(). */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A screenshot into test-output/screenshots/<name>, of the full page unless told otherwise. */
export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: new URL(name, SHOTS).pathname, fullPage });
}

export const DESKTOP = { width: 1366, height: 900 };

/**
 * A page of a fresh context (own cookies) signed in as `who` through the
 * login form, in English or French, at a viewport; the context is added to
 * `contexts` for the suite to close.
 */
export async function openSignedIn(
  browser: Browser, contexts: BrowserContext[], url: string,
  who: { name: string; password: string }, lang: 'en' | 'fr' = 'en', viewport = DESKTOP,
): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });
  contexts.push(context);
  const page = await context.newPage();
  await signInThroughForm(page, url, who.name, who.password);
  return page;
}

/** Opens the dashboard signed out, fills the login form and waits for the header to show the user. */
export async function signInThroughForm(page: Page, url: string, name: string, password: string): Promise<void> {
  await page.goto(`${url}/#/`);
  await page.getByTestId('login-form').waitFor({ timeout: 10_000 });
  await page.getByTestId('login-name').fill(name);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-password').press('Enter');
  await page.locator('header [data-testid=user-name]').filter({ hasText: name }).waitFor({ timeout: 10_000 });
}
