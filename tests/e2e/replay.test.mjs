// End-to-end: a replay link runs the same system again to the moment it was copied, through
// the same changes made mid-run, and shows the same numbers there, paused. A replay link that
// cannot be read says so and opens the link's settings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, running, until } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

// (Not the one-sentence summary: it is spoken when its meaning changes, so it keeps an older
// figure until then, by design.)
const METRICS = ['sim-time', 'metric-throughput', 'metric-p50', 'metric-p95', 'metric-ok-p95', 'metric-errors', 'metric-stale', 'metric-cost'];

/** Every figure the page shows, and each part's state and what breaks, at one moment. */
function shown(page) {
  return page.evaluate((ids) => {
    const t = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
    return {
      figures: Object.fromEntries(ids.map((id) => [id, t(id)])),
      parts: [...document.querySelectorAll('[data-testid="diagram"] .node-state')].map((e) => e.textContent),
      breaks: t('what-breaks'),
    };
  }, METRICS);
}

const seconds = async (page) => Number(((await page.getByTestId('sim-time').innerText()).match(/[\d.]+/) ?? ['0'])[0]);

test('a replay link shows the same numbers at the same moment, through the changes made mid-run', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&users=30000&seed=2&speed=10');
  await running(page, 3);
  await until(() => seconds(page), (t) => t >= 12, 'twelve simulated seconds', 30_000);
  // Mid-run: more users, then a traffic spike.
  const slider = page.getByTestId('users-slider');
  await slider.focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await until(() => seconds(page), (t) => t >= 24, 'twenty-four simulated seconds', 30_000);
  await page.getByTestId('fault-spike').click();
  await until(() => seconds(page), (t) => t >= 36, 'thirty-six simulated seconds', 30_000);
  await page.getByTestId('play-pause').click();
  // Paused: what it shows stays put.
  const first = await until(
    async () => [await shown(page), await shown(page)],
    ([a, b]) => JSON.stringify(a) === JSON.stringify(b),
    'the paused page to hold still',
  ).then(([a]) => a);
  await page.getByTestId('copy-replay').click();
  const link = await until(() => page.getByTestId('share-text').inputValue(), (v) => v.includes('replay='), 'the replay link');
  const history = new URL(link).searchParams.get('replay');
  assert.match(history, /~\d+(\.\d+)?su/, `the users' change is in it: ${history}`);
  assert.match(history, /~\d+(\.\d+)?nspike/, `the spike is in it: ${history}`);
  assert.deepEqual(problems, []);
  await context.close();

  const again = await openPage(harness, link.slice(link.indexOf('?')));
  await again.page.getByTestId('diagram').locator('g.node').first().waitFor();
  const replayed = await until(
    () => shown(again.page),
    (s) => s.figures['sim-time'] === first.figures['sim-time'],
    `the replay to reach ${first.figures['sim-time']}`,
    60_000,
  );
  assert.deepEqual(replayed, first);
  assert.match(await again.page.getByTestId('play-pause').innerText(), /Play/);
  assert.deepEqual(again.problems, []);
  await again.context.close();
});

test('a replay link that cannot be read says so, and the link opens from the start', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=2&users=900&replay=12~u900h0w0.1a400p1200i1~13nspike');
  await running(page, 2);
  await until(
    () => page.getByTestId('stage-note').innerText(),
    (t) => t.startsWith('This replay link cannot be read: step 1'),
    'the note on the replay',
  );
  assert.deepEqual(problems, []);
  await context.close();
});
