// End-to-end: a course page on another origin talks to an embedded Headroom with the message
// API (docs/course-page.html, the README's example): set, reset, getState, and the resize,
// stagechange and failure events back. Bad messages are ignored with a console warning.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startHarness, ROOT, until } from './harness.mjs';
import { serveStatic } from './static-server.mjs';

let harness;
let school;
before(async () => {
  harness = await startHarness();
  // The course page lives on a second loopback port: another origin.
  school = await serveStatic(join(ROOT, 'docs'), '/week3/');
});
after(async () => {
  await school?.close();
  await harness?.stop();
});

test('a course page on another origin sets, resets and reads an embedded Headroom, and fits it to its height', async () => {
  const appOrigin = new URL(harness.url).origin;
  assert.notEqual(new URL(school.url).origin, appOrigin);
  const context = await harness.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  const warnings = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (m.type() === 'warning') warnings.push(m.text());
  });
  // Everything Headroom posts, as the course page hears it.
  await page.addInitScript(() => {
    window.heard = [];
    addEventListener('message', (e) => window.heard.push({ origin: e.origin, data: e.data }));
  });
  await page.goto(`${school.url}course-page.html?app=${encodeURIComponent(harness.url)}`);
  const app = page.frameLocator('#headroom');
  const heard = (type, ok = () => true) =>
    until(
      () => page.evaluate((t) => window.heard.filter((m) => m.data?.type === t), type),
      (ms) => ms.some((m) => ok(m.data)),
      `a "${type}" message`,
      60_000,
    ).then((ms) => ms.filter((m) => ok(m.data)).at(-1));

  const ready = await heard('ready');
  assert.equal(ready.origin, appOrigin);
  assert.deepEqual(ready.data, { source: 'headroom', version: 1, type: 'ready', stage: 2, users: 1000, failure: null });

  // resize: the page's content height, and the course page fits the iframe to it.
  const resize = await heard('resize', (m) => m.height > 0);
  await until(
    () => page.evaluate(() => document.getElementById('headroom').style.height),
    (h) => h === `${resize.data.height}px`,
    'the iframe fitted to the height Headroom posted',
  );

  // set: any URL parameter, applied at once.
  await page.getByRole('button', { name: 'Stage 3 at 50,000 users' }).click();
  const change = await heard('stagechange', (m) => m.stage === 3);
  assert.equal(change.data.users, 50000);
  await until(() => app.locator('#stage-title').innerText(), (t) => t.startsWith('Stage 3: '), 'stage 3 shown');
  await until(() => app.getByTestId('users-value').innerText(), (t) => t === '50,000 users', 'the users set');

  // getState: the query, as a string and as parameters, and the latest reading's figures.
  await until(
    () => app.getByTestId('sim-time').innerText(),
    (t) => Number(t.match(/[\d.]+/)?.[0] ?? 0) > 2,
    'stage 3 running',
  );
  await page.getByRole('button', { name: 'Show the numbers' }).click();
  const state = (await heard('state')).data;
  assert.equal(state.version, 1);
  assert.equal(state.params.stage, '3');
  assert.equal(state.params.users, '50000');
  assert.equal(new URLSearchParams(state.query).get('users'), '50000');
  const appQuery = await app.locator('html').evaluate(() => location.search.slice(1));
  assert.equal(state.query, appQuery, 'the state is the page\'s own link');
  for (const key of ['time_s', 'offered_rps', 'throughput_rps', 'p95_ms', 'error_rate', 'cost_usd_per_month']) {
    assert.equal(typeof state.reading[key], 'number', `${key} in ${JSON.stringify(state.reading)}`);
  }
  assert.ok(state.reading.time_s > 0);
  assert.equal(state.reading.users, 50000);
  assert.match(await page.locator('#log').innerText(), /stage 3: p95 \d+ ms/);

  // View parameters too: lock hides the stage stepper.
  await page.evaluate(() =>
    document.getElementById('headroom').contentWindow.postMessage(
      { target: 'headroom', version: 1, type: 'set', params: { lock: true } },
      '*',
    ),
  );
  await until(() => app.locator('html').getAttribute('data-lock'), (v) => v === '', 'locked');
  await until(() => app.getByTestId('stage-step').first().isVisible(), (v) => !v, 'the stepper hidden');

  // reset: back to the link the page was opened with, unlocked.
  await page.getByRole('button', { name: 'Back to the start' }).click();
  await heard('stagechange', (m) => m.stage === 2);
  await until(() => app.getByTestId('users-value').innerText(), (t) => t === '1,000 users', 'the users reset');
  await until(() => app.locator('html').getAttribute('data-lock'), (v) => v === null, 'unlocked');

  // Bad messages: each ignored with a warning that says why; someone else's ignored quietly.
  const before = warnings.length;
  await page.evaluate(() => {
    const post = (m) => document.getElementById('headroom').contentWindow.postMessage(m, '*');
    post({ target: 'headroom', version: 2, type: 'reset' });
    post({ target: 'headroom', version: 1, type: 'explode' });
    post({ target: 'headroom', version: 1, type: 'set', params: { colour: 'red' } });
    post({ target: 'headroom', version: 1, type: 'set', params: ['stage', 3] });
    post({ target: 'headroom', version: 1, type: 'set', params: { users: 'lots' } });
    post('hello');
    post({ target: 'another-widget', type: 'reset' });
  });
  const said = await until(
    () => warnings.slice(before).filter((w) => w.startsWith('Headroom: ')),
    (ws) => ws.length >= 5,
    'five warnings',
  );
  assert.match(said[0], /version: 1/);
  assert.match(said[1], /"explode" is not a message type/);
  assert.match(said[2], /colour is not a URL parameter/);
  assert.match(said[3], /params must be an object/);
  assert.match(said[4], /set users: “lots” is not a number of users; it keeps its value/);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(warnings.slice(before).filter((w) => w.startsWith('Headroom: ')).length, 5, 'no more warnings');
  assert.match(await app.locator('#stage-title').innerText(), /^Stage 2: /, 'nothing changed');
  assert.equal(await app.getByTestId('users-value').innerText(), '1,000 users', 'the users kept');
  assert.deepEqual(errors, []);
  await context.close();
});
