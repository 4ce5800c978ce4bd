// End-to-end: the running simulation as a learner drives it, against the release build.
// Each stage fails at a load where the next stage is healthy; faults change the numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, until, numberIn, simTime, settledTime } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

/** Users-slider positions (20 per factor of ten from 10 users): 10^(1 + p/20). */
const POSITION = { 1000: 40, 10000: 60, 1600: 44, 50000: 74, 200000: 86, 500000: 94, 1000000: 100, 3200000: 110 };

/** Waits until the simulated clock passes `seconds`. */
async function runUntil(page, seconds, timeout = 120_000) {
  await page.waitForFunction(
    (s) => Number(document.querySelector('[data-testid="sim-time"]').textContent.match(/[\d.]+/)[0]) >= s,
    seconds,
    { timeout, polling: 100 },
  );
}

async function setUsers(page, users) {
  await page.getByLabel('Daily active users', { exact: true }).fill(String(POSITION[users]));
  assert.equal(await page.getByTestId('users-value').innerText(), `${users.toLocaleString('en-US')} users`);
}

async function goToStage(page, n) {
  await untilNewSystem(page, () => page.getByTestId('stage-step').nth(n - 1).click());
  assert.match(await page.locator('#stage-title').innerText(), new RegExp(`^Stage ${n}: `));
}

/**
 * Does `action`, then waits until the views draw the new system it asked for: the engine
 * builds it in its worker, and until then the old one's reading is still on screen.
 */
async function untilNewSystem(page, action) {
  const generation = () => page.getByTestId('stage-view').getAttribute('data-generation');
  const before = Number(await generation());
  await action();
  await page.waitForFunction(
    (b) => Number(document.querySelector('[data-testid="stage-view"]').dataset.generation) > b,
    before,
  );
}

/** Waits for the "what breaks" panel to name `code`. */
async function expectFailure(page, code, timeout = 120_000) {
  await page.locator(`[data-testid="what-breaks-title"][data-code="${code}"]`).waitFor({ timeout });
}

/** Runs `seconds` simulated seconds from a new system and checks nothing failed meanwhile. */
async function expectHealthyFor(page, seconds) {
  const start = await simTime(page);
  const seen = new Set();
  while ((await simTime(page)) < start + seconds) {
    const code = await page.getByTestId('what-breaks-title').getAttribute('data-code', { timeout: 50 }).catch(() => null);
    if (code) seen.add(code);
    await page.waitForTimeout(200);
  }
  assert.deepEqual([...seen], [], 'no failure while it ran');
  await page.getByTestId('what-breaks-healthy').waitFor({ timeout: 1000 });
}

test('stage 1 is healthy at the default load, and fails with the OOM scene when users grow', async () => {
  const { page, context, problems } = await openPage(harness);
  await page.getByTestId('speed-10').check();
  await expectHealthyFor(page, 60); // past the cron report at 30 s
  assert.equal(await page.getByTestId('diagram').locator('g.node.hot').count(), 0);

  await setUsers(page, 1000);
  await expectFailure(page, 'oom_cascade');
  assert.match(await page.getByTestId('what-breaks-explanation').textContent(), /memory/i);
  // The scene on the app's VM is a measurement: the kill, or the memory filling up.
  const scene = page.getByTestId('diagram').locator('g.node[data-node="app1"] [data-testid="scene-label"]');
  assert.match(await scene.textContent(), /^(killed by OOM · restarting|memory [\d,]+ \/ [\d,]+ MB)/);
  assert.match(await page.getByTestId('what-breaks-next').innerText(), /stage 2/);

  // The panel's button moves on; at the same load stage 2 is healthy.
  await untilNewSystem(page, () => page.getByTestId('what-breaks-next').click());
  assert.match(await page.locator('#stage-title').innerText(), /^Stage 2: /);
  await expectHealthyFor(page, 60);
  assert.deepEqual(problems, []);
  await context.close();
});

// For each later stage: a load where it fails with its own failure, and the next stage copes.
const STEPS = [
  { stage: 2, users: 1600, code: 'blind_slowdown', node: 'users' },
  { stage: 3, users: 50000, code: 'app_saturated', node: 'app1' },
  { stage: 4, users: 200000, code: 'db_connections_exhausted', node: 'db1' },
  { stage: 5, users: 500000, code: 'upstream_blocking', node: 'api' },
  // At 1,600,000 (the README's link) stage 7's replicas already fall behind at times.
  { stage: 6, users: 1000000, code: 'primary_saturated', node: 'db1' },
];

for (const { stage, users, code, node } of STEPS) {
  test(`stage ${stage} fails with ${code} at ${users.toLocaleString('en-US')} users; stage ${stage + 1} copes`, async () => {
    const { page, context, problems } = await openPage(harness);
    await page.getByTestId('speed-10').check();
    await goToStage(page, stage);
    await setUsers(page, users);
    await expectFailure(page, code);
    const label = page.getByTestId('diagram').locator(`g.node[data-node="${node}"] [data-testid="scene-label"]`);
    await label.waitFor({ state: 'attached', timeout: 5000 });
    assert.ok((await label.textContent()).length > 3);
    await goToStage(page, stage + 1);
    await expectHealthyFor(page, 40);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('stage 7 serves stale reads at 3,200,000 users', async () => {
  const { page, context, problems } = await openPage(harness);
  await page.getByTestId('speed-10').check();
  await goToStage(page, 7);
  await setUsers(page, 3200000);
  await expectFailure(page, 'stale_reads', 180_000);
  assert.match(await page.getByTestId('metric-stale').innerText(), /over target/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('injected faults change what the metrics show', async () => {
  const { page, context, problems } = await openPage(harness);
  await page.getByTestId('speed-10').check();
  await goToStage(page, 5);
  await setUsers(page, 10000);
  await runUntil(page, 15);
  const throughput = () => numberIn(page.getByTestId('metric-throughput'));
  const before = await throughput();
  // A healthy system serves what reaches it.
  const offered = await numberIn(page.getByTestId('offered-load'));
  assert.ok(Math.abs(before / offered - 1) < 0.2, `${before} req/s served of ${offered} offered`);

  const spike = page.getByTestId('fault-spike');
  await spike.click();
  // The switch shows the engine's faults, which answer from its worker a moment later.
  await until(() => spike.getAttribute('aria-pressed'), (p) => p === 'true', 'the spike switch');
  await runUntil(page, 30);
  const during = await throughput();
  assert.ok(during > 6 * before, `spike: ${before} → ${during} req/s`);
  await spike.click();
  await until(() => spike.getAttribute('aria-pressed'), (p) => p === 'false', 'the spike switch');

  // Stage 5 has three app servers: a crash takes the first down, and it turns red.
  await page.getByTestId('fault-crash').click();
  await page.getByTestId('diagram').locator('g.node.hot[data-node="app1"]').waitFor({ state: 'attached', timeout: 5000 });
  assert.equal(await page.getByTestId('fault-replica-lag').isDisabled(), true, 'no replicas before stage 7');

  // On stage 3 the only app server crashing fails every request until it is back.
  await goToStage(page, 3);
  await runUntil(page, 12);
  assert.doesNotMatch(await page.getByTestId('metric-errors').innerText(), /over target/);
  await page.getByTestId('fault-crash').click();
  await runUntil(page, 20);
  const errors = Number((await page.getByTestId('metric-errors').innerText()).replace(/[^\d.]/g, ''));
  assert.ok(errors > 30, `${errors}% of requests fail while the app server is down`);
  assert.match(await page.locator('[data-cause="down"]').getAttribute('class'), /active/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('play, pause, step, speed, seed and reset all', async () => {
  const { page, context, problems } = await openPage(harness);
  await runUntil(page, 0.5);
  await page.getByTestId('play-pause').click();
  assert.equal(await page.getByTestId('play-pause').innerText(), 'Play');
  const paused = await settledTime(page);
  await page.waitForTimeout(500);
  assert.equal(await simTime(page), paused, 'paused time stands still');
  await page.getByTestId('step').click();
  await page.waitForFunction((t) => Number(document.querySelector('[data-testid="sim-time"]').textContent.match(/[\d.]+/)[0]) > t, paused);
  assert.ok(Math.abs((await simTime(page)) - paused - 0.1) < 1e-6, 'one step is 0.1 s');

  await page.getByTestId('play-pause').click();
  await page.getByTestId('speed-100').check();
  const t0 = await simTime(page);
  await page.waitForTimeout(1000);
  assert.ok((await simTime(page)) - t0 > 5, '100× runs far faster than real time');

  const seed = page.getByTestId('seed');
  await seed.fill('');
  await seed.press('Enter');
  await page.locator('#seed-error').filter({ hasText: 'whole number' }).waitFor();
  await seed.fill('7');
  await seed.press('Enter');
  await page.waitForFunction(() => document.querySelector('#seed-error').textContent === '');

  await goToStage(page, 4);
  await page.getByTestId('knob-apps').fill('10');
  assert.equal(await page.getByTestId('knob-apps-value').innerText(), '10 servers');
  await page.getByTestId('reset').click();
  assert.match(await page.locator('#stage-title').innerText(), /^Stage 1: /);
  assert.equal(await page.getByTestId('users-value').innerText(), '300 users');
  assert.equal(await seed.inputValue(), '1');
  assert.equal(await page.getByTestId('speed-1').isChecked(), true);
  assert.ok((await simTime(page)) < 2, 'a new system');
  assert.deepEqual(problems, []);
  await context.close();
});
