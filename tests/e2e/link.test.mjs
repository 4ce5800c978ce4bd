// End-to-end: the page's link. The query string opens a scenario and follows every change;
// bad values get notices; embed mode fits a small iframe; a course page hears events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, simTime } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

const query = (page) => page.evaluate(() => new URLSearchParams(location.search));
const param = (page, name) => page.evaluate((n) => new URLSearchParams(location.search).get(n), name);

/** Waits until the address bar's query has `name=value`. */
async function addressHas(page, name, value) {
  await page.waitForFunction(
    ([n, v]) => new URLSearchParams(location.search).get(n) === v,
    [name, value],
    { timeout: 5000 },
  );
}

test('a link opens the scenario it names, and the address follows each change without adding history', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&users=50000&seed=7&speed=10&autoplay=0');
  await page.getByTestId('offered-load').waitFor();
  assert.match(await page.locator('#stage-title').innerText(), /^Stage 3: /);
  assert.equal(await page.getByTestId('users-value').innerText(), '50,000 users');
  assert.equal(await page.getByTestId('seed').inputValue(), '7');
  assert.equal(await page.getByTestId('speed-10').isChecked(), true);
  assert.equal(await page.getByTestId('play-pause').innerText(), 'Play', 'autoplay=0 opens paused');
  assert.equal(await simTime(page), 0);

  // The address is rewritten to the canonical link: every slider, seed and speed.
  await addressHas(page, 'writes', '10');
  assert.equal(await param(page, 'stage'), '3');
  assert.equal(await param(page, 'users'), '50000');
  assert.equal(await param(page, 'seed'), '7');
  assert.equal(await param(page, 'speed'), '10');
  assert.equal(await param(page, 'autoplay'), '0');
  const history = await page.evaluate(() => history.length);

  await page.getByLabel('Daily active users', { exact: true }).fill('60');
  await addressHas(page, 'users', '10000');
  await page.getByTestId('stage-step').nth(4).click();
  await addressHas(page, 'stage', '5');
  await page.getByTestId('knob-hit').fill('50');
  await addressHas(page, 'hit', '50');
  await page.getByTestId('speed-100').check();
  await addressHas(page, 'speed', '100');
  assert.equal(await page.evaluate(() => history.length), history, 'no new history entries');

  // Opening the address again restores the same scenario.
  const link = page.url();
  const again = await context.newPage();
  await again.goto(link);
  await again.getByTestId('offered-load').waitFor();
  assert.match(await again.locator('#stage-title').innerText(), /^Stage 5: /);
  assert.equal(await again.getByTestId('users-value').innerText(), '10,000 users');
  assert.equal(await again.getByTestId('knob-hit-value').innerText(), '50% of reads');
  assert.equal(await again.getByTestId('speed-100').isChecked(), true);
  assert.equal(await again.getByTestId('seed').inputValue(), '7');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the same link gives the same numbers', async () => {
  const link = '?stage=2&users=1600&seed=5&autoplay=0';
  const readings = [];
  for (let run = 0; run < 2; run++) {
    const { page, context, problems } = await openPage(harness, link);
    await page.getByTestId('offered-load').waitFor();
    for (let i = 1; i <= 30; i++) {
      await page.getByTestId('step').click();
      await page.waitForFunction(
        (t) => Number(document.querySelector('[data-testid="sim-time"]').textContent.match(/[\d.]+/)[0]) >= t,
        i * 0.1 - 1e-9,
      );
    }
    readings.push({
      time: await page.getByTestId('sim-time').innerText(),
      metrics: await page.locator('.live-metrics').innerText(),
    });
    assert.deepEqual(problems, []);
    await context.close();
  }
  assert.match(readings[0].time, /Simulated time 3\.0 s/);
  assert.match(readings[0].metrics, /\d/);
  assert.deepEqual(readings[1], readings[0]);
});

test('bad values get a notice naming each parameter, the page still works, and unknown ones are ignored', async () => {
  const { page, context, problems } = await openPage(
    harness,
    '?stage=9&users=lots&hit=150&speed=3&theme=neon&utm_source=newsletter',
  );
  const notices = page.getByTestId('link-notices');
  await notices.waitFor();
  const params = await notices.locator('li').evaluateAll((lis) => lis.map((li) => li.dataset.param));
  assert.deepEqual(params, ['stage', 'users', 'hit', 'speed', 'theme']);
  assert.match(await notices.innerText(), /“9” is not a stage/);
  assert.match(await notices.innerText(), /stage 5 adds one/);
  assert.doesNotMatch(await notices.innerText(), /utm_source/);

  // The defaults stand in, and the simulation runs.
  assert.match(await page.locator('#stage-title').innerText(), /^Stage 1: /);
  assert.equal(await page.getByTestId('users-value').innerText(), '300 users');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]').textContent.match(/[\d.]+/)[0]) > 0.5);
  await addressHas(page, 'stage', '1');
  assert.equal(await param(page, 'theme'), null);
  assert.equal(await param(page, 'utm_source'), null);

  // Each notice can be dismissed; the last one takes the panel with it.
  await page.getByRole('button', { name: 'Dismiss the notice about users' }).click();
  assert.equal(await notices.locator('li[data-param="users"]').isVisible(), false);
  assert.equal(await notices.isVisible(), true);
  for (const p of ['stage', 'hit', 'speed', 'theme']) {
    await page.getByRole('button', { name: `Dismiss the notice about ${p}` }).click();
  }
  assert.equal(await notices.isVisible(), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('embed mode fits a 320 × 400 iframe with a locked stage, the chosen controls and a theme', async () => {
  const { page, context, problems } = await openPage(
    harness,
    '?embed=1&lock=1&controls=users,hit&stage=5&users=50000&theme=dark',
  );
  await page.setViewportSize({ width: 320, height: 400 });
  await page.getByTestId('offered-load').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.match(await page.locator('#stage-title').innerText(), /^Stage 5: /);
  const visible = async (selector) => page.locator(selector).first().isVisible();
  assert.equal(await visible('.tagline'), false, 'a title, no more');
  assert.equal(await visible('.stepper'), false, 'no stage switching');
  assert.equal(await visible('[data-testid="users-slider"]'), true);
  assert.equal(await visible('[data-testid="knob-hit"]'), true);
  assert.equal(await page.getByTestId('knob-writes').count(), 0, 'unlisted knobs are left out');
  assert.equal(await visible('.faults'), false);
  assert.equal(await visible('.playback'), false);
  assert.equal(await visible('[data-testid="timeline-chart"]'), false);
  assert.equal(await visible('.diagram'), true);
  // Nothing but the diagram (which scrolls in its own box) is wider than the frame.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320));
  const full = new URL(await page.getByTestId('open-full').getAttribute('href'));
  assert.equal(full.searchParams.get('embed'), null);
  assert.equal(full.searchParams.get('stage'), '5');
  assert.equal(full.searchParams.get('lock'), '1');
  await addressHas(page, 'embed', '1');
  assert.equal(await param(page, 'controls'), 'users,hit');
  // With the stage locked, the page's own arrow keys cannot leave it either.
  await page.keyboard.press('ArrowRight');
  assert.match(await page.locator('#stage-title').innerText(), /^Stage 5: /);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a course page hears when the app is ready, when the stage changes and when a failure fires', async () => {
  const { page, context, problems } = await openPage(harness);
  await page.getByTestId('offered-load').waitFor();
  const src = `${harness.url}?stage=1&users=1000&speed=10`;
  // (The course page names an icon, so the browser does not ask the server for /favicon.ico.)
  await page.setContent(`<!DOCTYPE html><title>Course page</title><link rel="icon" href="data:,">
    <script>window.heard = []; addEventListener('message', (e) => heard.push(e.data));</script>
    <iframe src="${src}" title="Headroom" width="800" height="600"></iframe>`);
  const heard = (type) =>
    page.waitForFunction((t) => window.heard.find((m) => m.source === 'headroom' && m.type === t), type, {
      timeout: 120_000,
    }).then((h) => h.jsonValue());
  const ready = await heard('ready');
  assert.deepEqual(ready, { source: 'headroom', version: 1, type: 'ready', stage: 1, users: 1000, failure: null });
  const failure = await heard('failure');
  assert.equal(failure.failure, 'oom_cascade');
  assert.equal(failure.stage, 1);
  await page.frameLocator('iframe').getByTestId('stage-step').nth(1).click();
  const change = await heard('stagechange');
  assert.equal(change.stage, 2);
  assert.deepEqual(problems, []);
  await context.close();
});

test('copy link and copy embed code give a link to this scenario and an iframe for it', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=4&users=200000&seed=3');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(harness.url).origin });
  await page.getByTestId('offered-load').waitFor();
  await page.getByTestId('copy-link').click();
  await page.getByRole('status').filter({ hasText: 'Link copied.' }).waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(await page.getByTestId('share-text').inputValue(), link);
  const url = new URL(link);
  assert.equal(url.origin + url.pathname, harness.url);
  assert.deepEqual(
    [url.searchParams.get('stage'), url.searchParams.get('users'), url.searchParams.get('seed')],
    ['4', '200000', '3'],
  );

  await page.getByTestId('copy-embed').click();
  await page.getByRole('status').filter({ hasText: 'Embed code copied.' }).waitFor();
  const code = await page.evaluate(() => navigator.clipboard.readText());
  const iframe = await page.evaluate((html) => {
    const t = document.createElement('template');
    t.innerHTML = html;
    const f = t.content.querySelector('iframe');
    return { src: f.src, title: f.title, width: f.width, height: f.height };
  }, code);
  assert.equal(new URL(iframe.src).searchParams.get('embed'), '1');
  assert.equal(new URL(iframe.src).searchParams.get('users'), '200000');
  assert.match(iframe.title, /^Headroom: stage 4, .+, with 200,000 users$/);
  assert.deepEqual([iframe.width, iframe.height], ['800', '600']);
  assert.deepEqual(problems, []);
  await context.close();
});
