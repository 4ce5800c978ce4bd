// End-to-end: looking inside a part of the diagram, and the animation pausing while the
// diagram is out of view.
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

/** The details table's rows as { resource: [cells…] }. */
const detailRows = (page) =>
  page.getByTestId('node-details-table').locator('tbody tr').evaluateAll((trs) =>
    Object.fromEntries(trs.map((tr) => [tr.querySelector('th').textContent, [...tr.querySelectorAll('td')].map((td) => td.textContent)])),
  );

test('pointing at a part, or focusing it from the keyboard, shows its resources measured beside Erlang C', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&users=10000&speed=10');
  await page.getByTestId('offered-load').waitFor();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]').textContent.match(/[\d.]+/)[0]) > 5);
  const nodes = page.locator('[data-testid="diagram"] .node');
  const app = nodes.filter({ hasText: 'App' }).first();
  const db = nodes.filter({ hasText: 'Postgres' }).first();

  await app.hover();
  const details = page.getByTestId('node-details');
  assert.match(await details.locator('h3').innerText(), /App/);
  const appRows = await detailRows(page);
  const names = Object.keys(appRows);
  assert.ok(names.length > 0, 'the app server has resources');
  for (const [name, [now, arrivals, utilMeasured, utilTheory]] of Object.entries(appRows)) {
    assert.match(arrivals, /\/s$/, name);
    if (/busy/.test(now)) {
      // A pool: measured utilization beside the Erlang C prediction, both percentages.
      assert.match(utilMeasured, /^\d+%$/, `${name} measured`);
      assert.match(utilTheory, /^\d+%$/, `${name} Erlang C`);
    }
  }

  // Keyboard: focusing another part shows that part instead.
  await db.focus();
  assert.match(await details.locator('h3').innerText(), /Postgres/);
  assert.notDeepEqual(Object.keys(await detailRows(page)), names);
  assert.equal(await db.getAttribute('class').then((c) => c.includes('selected')), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the simulation pauses while the diagram is scrolled out of view, and resumes without a burst', async () => {
  const { page, context, problems } = await openPage(harness);
  // Narrower than the two-column layout, where the diagram stays in view.
  await page.setViewportSize({ width: 800, height: 600 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]').textContent.match(/[\d.]+/)[0]) > 1);

  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.waitForTimeout(300);
  const hidden = await page.evaluate(() => document.querySelector('[data-testid="diagram"]').getBoundingClientRect().bottom < 0);
  assert.ok(hidden, 'the diagram is above the viewport');
  const away = await simTime(page);
  await page.waitForTimeout(1500);
  assert.equal(await simTime(page), away, 'no simulated time passes out of view');

  await page.evaluate(() => window.scrollTo(0, 0));
  const back = Date.now();
  await page.waitForFunction((t) => Number(document.querySelector('[data-testid="sim-time"]').textContent.match(/[\d.]+/)[0]) > t, away);
  await page.waitForTimeout(600);
  const gained = (await simTime(page)) - away;
  const wall = (Date.now() - back) / 1000;
  // At 1×, the time gained is about the wall time since the return: the 1.5 s away is not
  // caught up in a burst.
  assert.ok(gained <= wall + 0.3, `gained ${gained} s of simulated time in ${wall} s`);
  assert.deepEqual(problems, []);
  await context.close();
});
