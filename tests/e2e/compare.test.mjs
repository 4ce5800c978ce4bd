// End-to-end: two designs side by side (`compare=1`, or `compare=machine.4` for one stage with
// two settings). At stage 3's failure link, stage 4 runs
// beside it on the same load and seed: stage 3 fails, stage 4 is healthy, and the differences
// the table shows are those between the figures the two sides show. It works in an embed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, until } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

/** A figure as shown ("1.2 s", "807 ms", "11%", "$1,120", "−709 ms", "+0.4 points") → a number (ms, %, $). */
function value(text) {
  const m = text.replace(/,/g, '').replace('−', '-').match(/[-+]?\d+(\.\d+)?/);
  const n = Number(m[0]);
  return /\d s\b/.test(text) ? n * 1000 : n;
}

/** Everything both sides and the table show, read at one moment. */
function snapshot(page) {
  return page.evaluate(() => {
    const t = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
    const out = {};
    for (const side of ['a', 'b']) {
      out[side] = {
        title: document.querySelector(`[data-testid="compare-${side}"] h2`)?.textContent,
        code: document.querySelector(`[data-testid="compare-${side}-state"]`)?.dataset.code ?? null,
        state: t(`compare-${side}-state`),
        time: t(`compare-${side}-time`),
        p95: t(`compare-${side}-p95`),
        errors: t(`compare-${side}-errors`),
        cost: t(`compare-${side}-cost`),
      };
    }
    out.delta = { p95: t('compare-delta-p95'), errors: t('compare-delta-errors'), cost: t('compare-delta-cost') };
    return out;
  });
}

for (const [name, query, viewport] of [
  ['on the full page', '', { width: 1440, height: 900 }],
  ['in an embed', '&embed=1', { width: 390, height: 844 }],
]) {
  test(`stage 3's failure beside stage 4, ${name}: stage 4 is healthy on the same load and seed, and the differences are the sides' own`, async () => {
    const context = await harness.browser.newContext({ viewport });
    const { page, problems } = await openPage(harness, `?stage=3&users=50000&seed=3&speed=10&compare=1${query}`, context);
    await page.getByTestId('compare-a').waitFor({ timeout: 20_000 });
    const s = await until(
      () => snapshot(page),
      (s) => s.a.code === 'app_saturated' && value(s.b.time.match(/time ([\d.]+)/)?.[0] ?? '0') >= 30,
      'stage 3 failing and stage 4 running 30 s',
      40_000,
    );
    assert.match(s.a.title, /^Stage 3:/);
    assert.match(s.b.title, /^Stage 4:/);
    assert.match(s.b.state, /^✓ Healthy/);
    assert.equal(s.b.code, null);
    // The same seed, the link's.
    assert.match(s.a.time, /seed 3$/);
    assert.match(s.b.time, /seed 3$/);
    // Each difference is stage 4's figure less stage 3's, as the sides show them (to the
    // rounding of what is shown).
    for (const [key, slack] of [['p95', 1], ['errors', 1], ['cost', 1]]) {
      const expected = value(s.b[key]) - value(s.a[key]);
      assert.ok(Math.abs(value(s.delta[key]) - expected) <= slack * Math.max(1, Math.abs(expected) * 0.05), `${key}: ${JSON.stringify(s)}`);
    }
    assert.ok(value(s.delta.p95) < 0, 'stage 4 is faster');
    // Both diagrams are drawn and visible.
    for (const side of ['a', 'b']) {
      const diagram = page.getByTestId(`compare-${side}`).getByTestId('diagram');
      assert.ok(await diagram.isVisible(), side);
    }
    // One design again, without the comparison.
    const alone = await page.getByTestId('compare-leave').getAttribute('href');
    assert.ok(!alone.includes('compare='), alone);
    assert.ok(alone.includes('stage=3') && alone.includes('seed=3'), alone);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('one stage with two settings: stage 3 on a c5.24xlarge beside its t3.medium, same load and seed, named by the machine', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&users=50000&seed=3&speed=10&compare=machine.4');
  await page.getByTestId('compare-a').waitFor({ timeout: 20_000 });
  const s = await until(
    () => snapshot(page),
    (s) => s.a.code === 'app_saturated' && value(s.b.time.match(/time ([\d.]+)/)?.[0] ?? '0') >= 30,
    'the t3.medium failing and the c5.24xlarge running 30 s',
    40_000,
  );
  assert.equal(s.a.title, 'Stage 3 with Machine size: t3.medium: 2 vCPU, 4 GB, $30.37 a month');
  assert.equal(s.b.title, 'Stage 3 with Machine size: c5.24xlarge: 96 vCPU, 192 GB, $2,940 a month');
  assert.match(s.b.state, /^✓ Healthy/);
  assert.match(s.a.time, /seed 3$/);
  assert.match(s.b.time, /seed 3$/);
  for (const [key, slack] of [['p95', 1], ['errors', 1], ['cost', 1]]) {
    const expected = value(s.b[key]) - value(s.a[key]);
    assert.ok(Math.abs(value(s.delta[key]) - expected) <= slack * Math.max(1, Math.abs(expected) * 0.05), `${key}: ${JSON.stringify(s)}`);
  }
  assert.ok(value(s.delta.cost) > 2_000, `the bigger machine costs more: ${s.delta.cost}`);
  const caption = await page.getByTestId('compare-table').locator('caption').innerText();
  assert.match(caption, /^c5\.24xlarge.* against t3\.medium/);
  // The link keeps the comparison as it was asked for.
  await until(() => page.url(), (u) => u.includes('compare=machine.4'), 'the address to keep compare=machine.4');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the comparison pauses and plays both sides, opens paused when the link says so, and the customize panel loads beside it', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&users=50000&compare=1&autoplay=0');
  await page.getByTestId('compare-a').waitFor({ timeout: 20_000 });
  const times = async () => (await snapshot(page)).a.time + ' | ' + (await snapshot(page)).b.time;
  // Opened paused: both clocks stay at the start.
  await until(() => snapshot(page), (s) => /time 0\.0 s/.test(s.a.time) && /time 0\.0 s/.test(s.b.time), 'both at the start');
  await page.waitForTimeout(1000);
  assert.match(await times(), /time 0\.0 s.*time 0\.0 s/);
  await page.getByTestId('compare-play').click();
  await until(() => snapshot(page), (s) => value(s.a.time.match(/time ([\d.]+)/)[0]) > 1 && value(s.b.time.match(/time ([\d.]+)/)[0]) > 1, 'both running');
  await page.getByTestId('compare-play').click();
  await page.waitForTimeout(800);
  const paused = await times();
  await page.waitForTimeout(1000);
  assert.equal(await times(), paused, 'both paused');
  // The second module on the page: the customize panel loads too.
  await page.getByTestId('customize').locator('summary').click();
  await page.getByTestId('customize-link').waitFor({ timeout: 20_000 });
  assert.ok((await page.getByTestId('customize-link').inputValue()).includes('compare=1'));
  assert.deepEqual(problems, []);
  await context.close();
});
