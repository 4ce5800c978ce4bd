// End-to-end: the bigger machine. On the stages with one app server the learner can put a
// bigger machine in its place (the "Machine size" slider); the engine runs it, the cost
// follows the price table, the link keeps it, and a chart sets each machine's users per dollar
// beside the next stage's. From stage 4 the slider gives way to the number of app servers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, running, until, numberIn, simTime } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

/** The failure "What breaks" names (its code), or "healthy", or null while it waits. */
async function shown(page) {
  if (await page.getByTestId('what-breaks-healthy').count()) return 'healthy';
  const title = page.getByTestId('what-breaks-title');
  return (await title.count()) ? await title.getAttribute('data-code') : null;
}

/**
 * Presses `key` on the machine slider, waits for the engine to start the new system (its clock
 * starts again) and to run it `seconds` simulated seconds, and returns the slider's words.
 */
async function pressMachine(page, key, seconds) {
  const slider = page.getByTestId('knob-machine');
  await slider.focus();
  const before = await simTime(page);
  await slider.press(key);
  await until(() => simTime(page), (t) => t < before, 'the new system');
  await until(() => simTime(page), (t) => t >= seconds, 'the new system running', 30_000);
  return slider.getAttribute('aria-valuetext');
}

test("stage 3's failure: a bigger machine cures the app server's CPU, costs its price, and stays in the link", async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&users=50000&speed=10');
  await running(page, 3, 10);
  await until(() => shown(page), (c) => c === 'app_saturated', 'stage 3 at 50,000 users on its own machine');
  const before = await numberIn(page.getByTestId('cost-total'));

  await running(page, 3, 20);
  await pressMachine(page, 'ArrowRight', 5);
  const words = await pressMachine(page, 'ArrowRight', 30);
  assert.equal(words, 'c5.4xlarge: 16 vCPU, 32 GB, $496 a month');
  assert.equal(await shown(page), 'healthy');
  // The machine costs what the price table says, more than the t3.medium it replaced.
  const after = await numberIn(page.getByTestId('cost-total'));
  assert.ok(after - before > 496 - 30.37 - 60, `cost ${before} -> ${after}`);
  await until(() => page.evaluate(() => location.search), (q) => q.includes('machine=3'), 'the link');

  // The chart marks the machine in use and sets the next stage beside the ladder.
  // (The charts are drawn as they come near the view.)
  await page.getByTestId('machine-chart').scrollIntoViewIfNeeded();
  const chart = page.getByTestId('machine-chart').locator('[role="img"]');
  const label = await until(
    () => chart.getAttribute('aria-label'),
    (l) => l?.includes('In use now: c5.4xlarge.'),
    'the machine chart',
    20_000,
  );
  for (const name of ['t3.micro', 't3.medium', 't3.large', 'c5.4xlarge', 'c5.24xlarge', 'Stage 4']) {
    assert.ok(label.includes(`${name}, `), `${name} in ${label}`);
  }
  // Bigger machines buy fewer users per dollar: the biggest buys the fewest.
  const perDollar = [...label.matchAll(/([\d,.]+) per \$/g)].map((m) => Number(m[1].replace(/,/g, '')));
  assert.equal(perDollar.length, 6);
  assert.equal(Math.min(...perDollar.slice(0, 5)), perDollar[4], label);

  // From stage 4, more app servers take the bigger machine's place.
  await page.getByTestId('stage-step').nth(3).click();
  await running(page, 4);
  await until(() => page.getByTestId('knob-machine').count(), (n) => n === 0, 'the machine slider at stage 4');
  assert.equal(await page.getByTestId('machine-chart').count(), 0);
  assert.equal(await page.getByTestId('knob-apps').count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('stage 1: no machine size serves 2,000 users; small ones run out of memory, big ones are slowed by the unindexed scan', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=1&users=2000&speed=10');
  await running(page, 1, 5);
  const seen = [];
  for (let index = 0; index < 5; index++) {
    const words = await pressMachine(page, index === 0 ? 'Home' : 'ArrowRight', 2);
    const code = await until(
      () => shown(page),
      (c) => c === 'oom_cascade' || c === 'blind_slowdown',
      `stage 1 at 2,000 users on ${words}`,
      30_000,
    );
    seen.push(code);
  }
  // The smallest machine runs out of memory and the biggest is slowed by the scan.
  assert.equal(seen[0], 'oom_cascade', seen.join());
  assert.equal(seen[4], 'blind_slowdown', seen.join());
  assert.deepEqual(problems, []);
  await context.close();
});
