import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HOST, HOST_IP, HOST_LABEL, CPU, startStatusFixture, type StatusFixture } from './fixture.js';

/**
 * /api/status-pages with roles, and the public /status pages, on the real
 * `vigie up` wiring: admins manage pages, operators of the page's group write
 * incident notes, others get 403/404; the public page needs no session, shows
 * only what was chosen, is the same 404 when off or unknown, is cached, comes
 * in English and French, and is rate-limited (last: it uses up the budget).
 */

interface PageView { id: number; slug: string; enabled: boolean; hosts: string[]; path: string; url: string; incidents: Array<{ id: number; state: string }> }

let f: StatusFixture;
let page: PageView;

test.before(async () => {
  f = await startStatusFixture();
});
test.after(async () => {
  await f?.close();
});

const pub = (path: string, headers: Record<string, string> = {}) => fetch(`${f.url}${path}`, { headers });

test('admins create a page (off by default); validation names the field; others may not create', async () => {
  const created = await f.admin.send<PageView>('POST', '/api/status-pages', { groupId: f.groupId, slug: 'lab', title: 'Lab <services>', hosts: [HOST] });
  assert.is(created.status, 201);
  page = created.data;
  assert.is(page.enabled, false);
  assert.is(page.path, '/status/lab');
  assert.ok(page.url.endsWith('/status/lab'));

  const badSlug = await f.admin.send('POST', '/api/status-pages', { groupId: f.groupId, slug: 'Lab!', title: 'x' });
  assert.is(badSlug.status, 400);
  assert.is((badSlug.body as { error: { field?: string } }).error.field, 'slug');
  const foreignHost = await f.admin.send('POST', '/api/status-pages', { groupId: f.otherGroupId, slug: 'other', title: 'x', hosts: [HOST] });
  assert.is(foreignHost.status, 400);
  assert.is((foreignHost.body as { error: { field?: string } }).error.field, 'hosts[0]');
  const unknownCheck = await f.admin.send('POST', '/api/status-pages', { groupId: f.groupId, slug: 'other', title: 'x', checks: ['nope'] });
  assert.is((unknownCheck.body as { error: { field?: string } }).error.field, 'checks[0]');
  const taken = await f.admin.send('POST', '/api/status-pages', { groupId: f.groupId, slug: 'lab', title: 'x' });
  assert.is(taken.status, 409);

  assert.is((await f.operator.send('POST', '/api/status-pages', { groupId: f.groupId, slug: 'mine', title: 'x' })).status, 403);
  assert.is((await f.viewer.get('/api/status-pages')).status, 403);
  assert.is((await f.operator.send('PATCH', `/api/status-pages/${page.id}`, { enabled: true })).status, 403);
});

test('a page that is off, unknown or malformed is the same 404, in HTML and JSON', async () => {
  const bodies: string[] = [];
  for (const path of ['/status/lab', '/status/nope', '/status/..%2fx']) {
    const res = await pub(path);
    assert.is(res.status, 404, path);
    bodies.push(await res.text());
  }
  assert.is(bodies[0], bodies[1], 'off and unknown read the same');
  const json = await pub('/status/lab.json');
  assert.is(json.status, 404);
  assert.is(((await json.json()) as { error: { code: string } }).error.code, 'VIGIE_ERR_NOT_FOUND');
});

test('operators of the group write, edit and resolve notes; an operator of another group gets 404', async () => {
  assert.equal((await f.operator.get<PageView[]>('/api/status-pages')).data.map((p) => p.slug), ['lab']);
  assert.equal((await f.outsider.get<PageView[]>('/api/status-pages')).data, []);
  assert.is((await f.outsider.get(`/api/status-pages/${page.id}`)).status, 404);
  assert.is((await f.outsider.send('POST', `/api/status-pages/${page.id}/incidents`, { title: 'x' })).status, 404);

  const note = await f.operator.send<{ id: number; state: string }>('POST', `/api/status-pages/${page.id}/incidents`, { title: 'Website slow <b>now</b>', body: 'We are looking into it.' });
  assert.is(note.status, 201);
  assert.is(note.data.state, 'investigating');
  const tooLong = await f.operator.send('POST', `/api/status-pages/${page.id}/incidents`, { title: 'x'.repeat(121) });
  assert.is(tooLong.status, 400);
  assert.is((tooLong.body as { error: { field?: string } }).error.field, 'title');
  const old = (await f.operator.send<{ id: number }>('POST', `/api/status-pages/${page.id}/incidents`, { title: 'Old outage', body: 'Fixed.' })).data;
  const resolved = await f.operator.send<{ state: string }>('PATCH', `/api/status-pages/${page.id}/incidents/${old.id}`, { state: 'resolved' });
  assert.is(resolved.data.state, 'resolved');
  assert.is((await f.viewer.send('POST', `/api/status-pages/${page.id}/incidents`, { title: 'x' })).status, 403);
  assert.is((await f.admin.get<PageView>(`/api/status-pages/${page.id}`)).data.incidents.length, 2);
});

test('enabled: the public page shows the title, overall state, the host by label and presence, the notes; no address, metric or user name', async () => {
  page = (await f.admin.send<PageView>('PATCH', `/api/status-pages/${page.id}`, { enabled: true })).data;
  const res = await pub('/status/lab');
  assert.is(res.status, 200);
  assert.is(res.headers.get('cache-control'), 'public, max-age=30');
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const html = await res.text();
  assert.ok(html.includes('Lab &lt;services&gt;'), 'the title, escaped');
  assert.ok(html.includes('Website slow &lt;b&gt;now&lt;/b&gt;'), 'the note, escaped');
  assert.not.ok(html.includes('<b>now'), 'never as HTML');
  assert.ok(html.includes(HOST_LABEL));
  assert.match(html, /All systems operational/);
  assert.match(html, /class="sp-host" data-state="online"/);
  assert.not.match(html, /<script|style=/i, 'no inline script or style');
  for (const secret of [HOST_IP, String(CPU), 'olga', 'oscar', 'victor', 'admin', '"id"']) assert.not.ok(html.includes(secret), `the page leaks ${secret}`);

  const json = await pub('/status/lab.json');
  assert.is(json.status, 200);
  assert.is(json.headers.get('cache-control'), 'public, max-age=30');
  const text = await json.text();
  const body = JSON.parse(text) as { ok: true; data: { title: string; overall: string; hosts: Array<{ label: string; state: string }>; incidents: Array<{ title: string; state: string }> } };
  assert.is(body.data.title, 'Lab <services>');
  assert.is(body.data.overall, 'operational');
  assert.equal(body.data.hosts, [{ label: HOST_LABEL, state: 'online', stateText: 'Online' }]);
  assert.equal(body.data.incidents.map((i) => i.state), ['investigating', 'resolved'], 'open notes first');
  for (const secret of [HOST_IP, String(CPU), 'olga', 'oscar', 'victor', 'admin', HOST, '"id"', '"pageId"']) assert.not.ok(text.includes(secret), `the JSON leaks ${secret}`);
});

test('French by ?lang=fr or Accept-Language; a wrong lang falls back, never an error', async () => {
  const fr = await (await pub('/status/lab?lang=fr')).text();
  assert.match(fr, /<html lang="fr">/);
  assert.match(fr, /Tous les systèmes fonctionnent/);
  assert.match(fr, /En ligne/);
  const byHeader = await (await pub('/status/lab', { 'accept-language': 'fr-FR,fr;q=0.9' })).text();
  assert.match(byHeader, /Tous les systèmes fonctionnent/);
  const forced = await (await pub('/status/lab?lang=en', { 'accept-language': 'fr' })).text();
  assert.match(forced, /All systems operational/);
  const odd = await pub('/status/lab?lang=xx');
  assert.is(odd.status, 200);
});

test('the answer is cached ~30 s, but a change of the page shows at once; the host going offline shows after the cache', async () => {
  const before = await (await pub('/status/lab.json')).json() as { data: { generatedAt: number } };
  const again = await (await pub('/status/lab.json')).json() as { data: { generatedAt: number } };
  assert.is(again.data.generatedAt, before.data.generatedAt, 'served from the cache');
  await f.admin.send('PATCH', `/api/status-pages/${page.id}`, { title: 'Lab' }).then((a) => a.data);
  const edited = await (await pub('/status/lab.json')).json() as { data: { title: string } };
  assert.is(edited.data.title, 'Lab', 'an edit drops the cache');
  await f.admin.send('PATCH', `/api/status-pages/${page.id}`, { enabled: false }).then((a) => a.data);
  assert.is((await pub('/status/lab')).status, 404, 'turned off: gone at once');
  await f.admin.send('PATCH', `/api/status-pages/${page.id}`, { enabled: true }).then((a) => a.data);
});

test('the stylesheet is served from /status/assets and the page links it', async () => {
  const css = await pub('/status/assets/status.css');
  assert.is(css.status, 200);
  assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  assert.match(await css.text(), /\.sp-bar/);
});

test('admins delete a page; its notes go with it', async () => {
  const temp = (await f.admin.send<PageView>('POST', '/api/status-pages', { groupId: f.groupId, slug: 'temp', title: 'Temp', enabled: true })).data;
  assert.is((await pub('/status/temp')).status, 200);
  assert.is((await f.operator.send('DELETE', `/api/status-pages/${temp.id}`)).status, 403);
  assert.is((await f.admin.send('DELETE', `/api/status-pages/${temp.id}`)).status, 200);
  assert.is((await pub('/status/temp')).status, 404);
});

test('rate limit: past 60 requests a minute from one address, 429 with Retry-After', async () => {
  let refused: Response | null = null;
  for (let i = 0; i < 80 && !refused; i++) {
    const res = await pub('/status/lab.json');
    if (res.status === 429) refused = res;
    else await res.arrayBuffer();
  }
  assert.ok(refused, 'refused within 80 requests');
  const wait = Number(refused!.headers.get('retry-after'));
  assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
  assert.is(((await refused!.json()) as { error: { code: string } }).error.code, 'VIGIE_ERR_RATE_LIMITED');
  assert.is((await pub('/status/lab')).status, 429, 'HTML too');
});

test.run();
