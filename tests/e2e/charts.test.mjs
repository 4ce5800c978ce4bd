// End-to-end: the charts, drawn by the chart worker (a second wasm module) once a chart comes
// near the view, so the worker is not part of the first load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, failureLinks } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

const workerRequests = (requests) => requests.filter((u) => new URL(u).pathname.includes('chart_worker'));

/** The texts drawn in the chart `testid`, once it has an SVG. */
async function drawnTexts(page, testid) {
  const chart = page.getByTestId(testid);
  await chart.locator('svg text').first().waitFor({ timeout: 30_000 });
  return (await chart.locator('svg text').allTextContents()).map((t) => t.trim());
}

test('the charts are drawn by the worker once they near the view, and not before', async () => {
  const { page, context, problems, requests } = await openPage(harness, '?stage=3&users=1000');
  await page.getByTestId('offered-load').waitFor();
  await page.waitForLoadState('networkidle');
  // Below the fold of a 1280×720 window: nothing drawn, the worker not even fetched.
  assert.deepEqual(workerRequests(requests), []);
  assert.equal(await page.locator('[data-testid="latency-chart"] svg').count(), 0);
  const latency = page.getByTestId('latency-chart');
  assert.match(
    await latency.locator('[role="img"]').getAttribute('aria-label'),
    /^p95 latency against daily active users/,
    'a text alternative while the chart is not drawn yet',
  );

  await latency.scrollIntoViewIfNeeded();
  const latencyTexts = await drawnTexts(page, 'latency-chart');
  for (const label of ['Daily active users (log scale)', 'p95 latency (log scale)', 'Stage 3 (this stage)', '1K users']) {
    assert.ok(latencyTexts.includes(label), `${label} not in ${latencyTexts}`);
  }
  assert.match(
    await latency.locator('[role="img"]').getAttribute('aria-label'),
    /Stage 3 is predicted to fail at about [\d,]+ users \(app CPU\)\. At 1,000 users its p95 is about \d+ ms\./,
  );
  const costTexts = await drawnTexts(page, 'cost-chart');
  assert.ok(costTexts.includes('USD a month (log scale)'), costTexts.join(' | '));
  assert.match(await page.locator('[data-testid="cost-chart"] [role="img"]').getAttribute('aria-label'), /stage 3 costs \$[\d,]+ a month/);
  const timelineTexts = await drawnTexts(page, 'timeline-chart');
  assert.ok(timelineTexts.includes('Throughput (req/s)'), timelineTexts.join(' | '));

  // The worker's files were asked for with this build's version, so no cache can mix deploys.
  const stamp = await page.locator('meta[name="headroom-build"]').getAttribute('content');
  assert.match(stamp, /^[0-9a-f]{16}$/);
  const fetched = workerRequests(requests).map((u) => new URL(u));
  assert.deepEqual(fetched.map((u) => u.pathname.split('/').pop()).sort(), [
    'chart_worker.js',
    'chart_worker_bg.wasm',
    'chart_worker_loader.js',
  ]);
  assert.ok(fetched.every((u) => u.searchParams.get('v') === stamp), fetched.join('\n'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a chart out of view catches up with the sliders when it comes back', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&users=1000');
  const latency = page.getByTestId('latency-chart');
  await latency.scrollIntoViewIfNeeded();
  assert.ok((await drawnTexts(page, 'latency-chart')).includes('1K users'));

  // Focusing the slider scrolls the charts away; the users go to 10 million meanwhile.
  const slider = page.getByRole('slider', { name: 'Daily active users' });
  await slider.focus();
  await page.keyboard.press('End');
  assert.equal(await slider.getAttribute('aria-valuetext'), '10,000,000 users');

  await latency.scrollIntoViewIfNeeded();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="latency-chart"] [role="img"]').ariaLabel.includes('At 10,000,000 users it is over capacity.'),
    null,
    { timeout: 30_000 },
  );
  assert.ok((await drawnTexts(page, 'latency-chart')).includes('10M users'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('an embed without charts never fetches the chart worker', async () => {
  const { page, context, problems, requests } = await openPage(harness, '?embed=1&stage=2');
  await page.getByTestId('offered-load').waitFor();
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1_000);
  assert.equal(await page.getByTestId('latency-chart').isVisible(), false);
  assert.deepEqual(workerRequests(requests), []);
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * The boxes of every text in the chart `testid` that overlap another's by more than a pixel
 * each way, as "a" / "b" pairs.
 */
async function collisions(page, testid) {
  return page.getByTestId(testid).evaluate((chart) => {
    const boxes = [...chart.querySelectorAll('svg text')]
      .map((t) => ({ text: t.textContent.trim(), r: t.getBoundingClientRect() }))
      .filter((b) => b.text && b.r.width > 0);
    const out = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i].r, boxes[j].r];
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) out.push(`"${boxes[i].text}" / "${boxes[j].text}"`);
      }
    }
    return out;
  });
}

test("no chart's labels collide, at any stage's failure link", async () => {
  const readme = failureLinks();
  const context = await harness.browser.newContext({ viewport: { width: 1440, height: 900 } });
  for (const [stage, link] of readme) {
    const { page, problems } = await openPage(harness, `${link}&speed=10`, context);
    for (const chart of ['timeline-chart', 'latency-chart', 'cost-chart']) {
      await page.getByTestId(chart).scrollIntoViewIfNeeded();
      await drawnTexts(page, chart);
      // The timeline once it has some seconds and the change marks of a fault.
      if (chart === 'timeline-chart') {
        await page.getByTestId('fault-spike').click();
        await page.waitForTimeout(1500);
        await page.getByTestId('fault-spike').click();
        await page.getByTestId(chart).scrollIntoViewIfNeeded();
        await page.waitForTimeout(2500);
      }
      assert.deepEqual(await collisions(page, chart), [], `stage ${stage}, ${chart}`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  }
  await context.close();
});
