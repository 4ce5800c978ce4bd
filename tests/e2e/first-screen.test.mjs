// End-to-end: the first screen teaches. At 1440 × 900, with no scrolling, each stage at its
// failure link shows its story's paragraph, the diagram, the users slider and the diagnosis
// (the failure's name and its measured sentence). A 320 × 400 embed shows the diagram and the
// diagnosis, and switches stages with a control that fits. With reduced motion, the queue in
// front of a saturated part and its failures still show, held still.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, failureLinks, until } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

/** Asserts that `locator`'s box lies wholly inside a `width` × `height` viewport. */
async function onScreen(locator, width, height, what) {
  const box = await locator.boundingBox();
  assert.ok(box, `${what}: drawn`);
  assert.ok(box.width > 0 && box.height > 0, `${what}: has a size`);
  const where = `${what} at x ${box.x.toFixed(0)}–${(box.x + box.width).toFixed(0)}, y ${box.y.toFixed(0)}–${(box.y + box.height).toFixed(0)}`;
  assert.ok(box.x >= 0 && box.y >= 0, `${where}: starts inside the ${width} × ${height} screen`);
  assert.ok(box.x + box.width <= width + 0.5, `${where}: ends inside its width`);
  assert.ok(box.y + box.height <= height + 0.5, `${where}: ends above the fold`);
  return box;
}

/** Opens `query` in a fresh context of `width` × `height` (and other context `options`). */
async function openSized(width, height, query, options = {}) {
  const context = await harness.browser.newContext({ viewport: { width, height }, ...options });
  return { context, ...(await openPage(harness, query, context)) };
}

/** Waits for the "What breaks" panel to name a failure (speed 10 gets there sooner). */
async function failing(page) {
  await page.getByTestId('what-breaks-title').waitFor({ timeout: 90_000 });
}

for (const [stage, link] of failureLinks()) {
  test(`stage ${stage}: story, diagram, diagnosis and users slider on the first screen at 1440 × 900`, async () => {
    const { context, page, problems } = await openSized(1440, 900, `${link}&speed=10`);
    await failing(page);
    assert.match(await page.locator('#stage-title').innerText(), new RegExp(`^Stage ${stage}: `));
    await onScreen(page.locator('#stage-title'), 1440, 900, 'the title');
    await onScreen(page.getByTestId('stage-lead'), 1440, 900, "the story's paragraph");
    const diagram = await onScreen(page.getByTestId('diagram'), 1440, 900, 'the diagram');
    assert.ok(diagram.width >= 800 && diagram.height >= 250, `the diagram is large: ${diagram.width} × ${diagram.height}`);
    await onScreen(page.getByTestId('users-slider'), 1440, 900, 'the users slider');
    await onScreen(page.getByTestId('what-breaks-title'), 1440, 900, "the failure's name");
    await onScreen(page.getByTestId('what-breaks-measured'), 1440, 900, 'its measured sentence');
    assert.match(await page.getByTestId('what-breaks-measured').innerText(), /\d/, 'the sentence carries numbers');
    // The way on: the next stage's button, or the last stage says what to do here.
    const way = stage < 7 ? page.getByTestId('next-step') : page.getByTestId('what-breaks-lever');
    await onScreen(way, 1440, 900, 'the way on');
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a 320 × 400 embed shows the diagram and the diagnosis, and switches stages with a list', async () => {
  const { context, page, problems } = await openSized(320, 400, '?embed=1&stage=3&users=50000&speed=10');
  await failing(page);
  await onScreen(page.getByTestId('diagram'), 320, 400, 'the diagram');
  await onScreen(page.getByTestId('what-breaks-title'), 320, 400, "the failure's name");
  await onScreen(page.getByTestId('what-breaks-measured'), 320, 400, 'its measured sentence');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), 'nothing is wider than the frame');
  // Seven buttons do not fit: previous, a list and next do.
  assert.equal(await page.getByTestId('stage-step').first().isVisible(), false);
  const select = page.getByTestId('stage-select');
  await onScreen(select, 320, 400, 'the stage list');
  await select.selectOption('5');
  await page.getByTestId('diagram').locator('g.node[data-node="cdn"]').waitFor();
  assert.match(await page.locator('#stage-title').textContent(), /^Stage 5: /);
  await page.getByTestId('stage-previous').click();
  assert.equal(await select.inputValue(), '4');
  await page.getByTestId('stage-next').click();
  await page.getByTestId('stage-next').click();
  assert.equal(await select.inputValue(), '6');
  assert.deepEqual(problems, []);
  await context.close();
});

test("the README's 800 × 600 iframe shows the whole diagram and what breaks", async () => {
  const { context, page, problems } = await openSized(800, 600, '?stage=3&users=50000&embed=1&speed=10');
  await failing(page);
  await onScreen(page.getByTestId('diagram'), 800, 600, 'the diagram');
  for (const node of await page.getByTestId('diagram').locator('g.node > rect').all()) {
    await onScreen(node, 800, 600, 'a part');
  }
  await onScreen(page.getByTestId('what-breaks-title'), 800, 600, "the failure's name");
  await onScreen(page.getByTestId('stage-select'), 800, 600, 'the stage list');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a phone scales the diagram to its width', async () => {
  const { context, page, problems } = await openSized(390, 844, '?stage=7');
  const diagram = page.getByTestId('diagram');
  await diagram.locator('g.node').first().waitFor();
  const box = await diagram.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `the diagram fits the width: x ${box.x}–${box.x + box.width}`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling');
  for (const node of await diagram.locator('g.node > rect').all()) {
    const r = await node.boundingBox();
    assert.ok(r.x >= 0 && r.x + r.width <= 390, 'every part is on the screen');
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('with reduced motion the dots rest, and the queue and the failures still show', async () => {
  const { context, page, problems } = await openSized(1440, 900, '?stage=3&users=50000&speed=10', { reducedMotion: 'reduce' });
  await failing(page);
  const diagram = page.getByTestId('diagram');
  assert.equal(await diagram.locator('g.dots').isVisible(), false, 'no moving dots');
  const app = diagram.locator('g.node[data-node="app1"]');
  const queue = app.getByTestId('queue');
  await queue.waitFor();
  const waiting = Number(await queue.getAttribute('data-waiting'));
  assert.ok(waiting > 0);
  const squares = ((await queue.getAttribute('d')) ?? '').split('M').length - 1;
  assert.equal(squares, Math.min(waiting, 8), 'a square a waiting request, up to 8 (QUEUE_CAP)');
  // The line under its load gives the number the squares stand for.
  assert.match(await app.locator('.node-pressure').textContent(), /^[\d,]+ waiting/);
  const mark = app.locator('.failed-mark');
  await until(() => mark.textContent(), (t) => t !== '', 'a failure mark');
  assert.match(await mark.textContent(), /^✗ [\d.,]+\/s failing$/);
  await onScreen(mark, 1440, 900, 'the failure mark');
  assert.deepEqual(problems, []);
  await context.close();
});
