/**
 * The box's screen in the dashboard, on the real `vigie up` wiring: the
 * route gives admins the OLED frame (others are refused), and the Box
 * display page draws exactly its lit pixels on a canvas, live.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import type { BoxFrame } from '../../../dashboard/server/api/context.js';
import { ApiClient } from '../../helpers/api-client.js';
import { waitFor } from '../../helpers/env.js';
import { addUser, adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';
import { haveChromium, launchChromium, shot, signInThroughForm } from './browser-helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */

const lit = (f: BoxFrame): number => [...Buffer.from(f.bits, 'base64')].reduce((n, byte) => n + byte.toString(2).replace(/0/g, '').length, 0);

if (haveChromium()) {
  let up: TestStack;
  let browser: Browser;
  let admin: ApiClient;

  test.before(async () => {
    up = await startTestStack('up');
    admin = await adminClient(up.httpUrl, up.dataDir);
    browser = await launchChromium();
  });
  test.after(async () => {
    await browser?.close();
    await up?.close();
  });

  test('GET /api/box/display gives admins the OLED frame; a viewer is refused', async () => {
    const frame = (await admin.get<BoxFrame>('/api/box/display')).data;
    assert.equal([frame.width, frame.height], [128, 64]);
    assert.is(Buffer.from(frame.bits, 'base64').length, 1024);
    assert.ok(lit(frame) > 100, `the first page draws something (${lit(frame)} pixels lit)`);
    const viewer = await addUser(up.dataDir, 'pupil', 'viewer');
    const asViewer = await ApiClient.signIn(up.httpUrl, viewer.name, viewer.password);
    assert.is((await asViewer.get('/api/box/display')).status, 403, 'the screen shows the whole fleet: admins only');
  });

  test('the Box display page draws the same lit pixels as the OLED frame', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    const page = await context.newPage();
    await signInThroughForm(page, up.httpUrl, 'admin', 'admin-password-1');
    await page.goto(`${up.httpUrl}/#/admin/box`);
    await page.locator('[data-testid=box-display][data-frame="128x64"]').waitFor({ timeout: 10_000 });
    // Freeze a moment: count lit pixels on the canvas (one panel pixel = a 4×4 block) and in the frame the server holds now.
    const matched = await waitFor('canvas and frame agree', async () => {
      const frame = up.stack.oled!.frame();
      const onCanvas = await page.evaluate(() => {
        const canvas = (globalThis as any).document.querySelector('[data-testid=box-display]');
        const d: Uint8ClampedArray = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let y = 1; y < canvas.height; y += 4) for (let x = 1; x < canvas.width; x += 4) if (d[(y * canvas.width + x) * 4]! > 128) n += 1;
        return n;
      });
      return onCanvas === lit(frame) ? onCanvas : null;
    }, 10_000, 200);
    assert.ok(matched > 100);
    await shot(page, 'box-display.png');
    await context.close();
  });

  test('on a phone the preview shrinks whole: the frame\'s aspect ratio, inside its panel (issue 11)', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'fr-FR' });
    const page = await context.newPage();
    await signInThroughForm(page, up.httpUrl, 'admin', 'admin-password-1');
    await page.goto(`${up.httpUrl}/#/admin/box`);
    await page.locator('[data-testid=box-display][data-frame="128x64"]').waitFor({ timeout: 10_000 });
    const geo = await page.evaluate(() => {
      const canvas = (globalThis as any).document.querySelector('[data-testid=box-display]');
      const r = canvas.getBoundingClientRect();
      const p = canvas.parentElement.getBoundingClientRect();
      return { width: r.width, height: r.height, bottom: r.bottom, right: r.right, panelBottom: p.bottom, panelRight: p.right };
    });
    assert.ok(geo.width < 390 && geo.width > 200, `scaled to the screen (${geo.width} px)`);
    assert.ok(Math.abs(geo.height * 2 - geo.width) <= 1, `128×64 shown at 2:1 (${geo.width}×${geo.height}), every row in`);
    assert.ok(geo.bottom <= geo.panelBottom && geo.right <= geo.panelRight, 'inside its panel');
    await shot(page, 'box-display-390-fr.png');
    await context.close();
  });

  test.run();
}
