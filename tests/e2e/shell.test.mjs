// End-to-end: the release build, served under a sub-path, in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, SUB_PATH, until, numberIn } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

test('loads under a sub-path with no console error, no failed request and nothing off-origin', async () => {
  const { page, context, problems, requests } = await openPage(harness);
  await page.getByRole('heading', { name: 'Headroom' }).waitFor();
  await page.getByTestId('offered-load').waitFor();
  await page.waitForLoadState('networkidle');
  assert.deepEqual(problems, []);
  // The page really was served from the sub-path, wasm included.
  assert.ok(requests.every((u) => new URL(u).pathname.startsWith(SUB_PATH)), requests.join('\n'));
  assert.ok(requests.some((u) => u.endsWith('.wasm')), 'the wasm module was fetched');
  await context.close();
});

test('lists the seven stages and selects each by click and by arrow key', async () => {
  const { page, context, problems } = await openPage(harness);
  const steps = page.getByTestId('stage-step');
  await steps.first().waitFor();
  assert.deepEqual(await steps.allInnerTexts().then((t) => t.map((s) => s.replace(/\s+/g, ' ').trim())), [
    '1 1 VM',
    '2 Split DB',
    '3 Observe',
    '4 Load Balance',
    '5 Cache + CDN',
    '6 Async',
    '7 Replicas + Shard',
  ]);
  const current = () => page.locator('[data-testid="stage-step"][aria-current="step"]').innerText();
  assert.match(await current(), /1 VM/);

  for (let i = 6; i >= 0; i--) {
    await steps.nth(i).click();
    assert.equal(await steps.nth(i).getAttribute('aria-current'), 'step');
    assert.equal(await page.locator('[aria-current="step"]').count(), 1);
  }
  await steps.nth(0).focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.match(await current(), /Observe/);
  await page.keyboard.press('End');
  assert.match(await current(), /Replicas \+ Shard/);
  await page.keyboard.press('ArrowLeft');
  assert.match(await current(), /Async/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('moving the users slider changes the offered load', async () => {
  const { page, context, problems } = await openPage(harness);
  const slider = page.getByLabel('Daily active users', { exact: true });
  const load = page.getByTestId('offered-load');
  await load.waitFor();
  const before = await until(() => numberIn(load), (n) => n > 0, 'the first offered load');
  assert.equal(await page.getByTestId('users-value').innerText(), '300 users');

  await slider.focus();
  await page.keyboard.press('End');
  assert.equal(await page.getByTestId('users-value').innerText(), '10,000,000 users');
  assert.equal(await slider.getAttribute('aria-valuetext'), '10,000,000 users');
  // 10,000,000 / 300 times the users offer as many times the load (to display rounding).
  const ratio = 10_000_000 / 300;
  await until(() => numberIn(load), (n) => Math.abs(n / before - ratio) / ratio < 0.01, `${before} times ${ratio}`);

  await page.keyboard.press('Home');
  assert.equal(await page.getByTestId('users-value').innerText(), '10 users');
  await until(() => numberIn(load), (n) => n < before, `below ${before}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('each stage tells its story and its cost follows the users', async () => {
  const { page, context, problems } = await openPage(harness);
  const steps = page.getByTestId('stage-step');
  const total = page.getByTestId('cost-total');
  await total.waitFor();
  const titles = new Set();
  for (let i = 0; i < 7; i++) {
    await steps.nth(i).click();
    const title = await page.locator('#stage-title').innerText();
    assert.match(title, new RegExp(`^Stage ${i + 1}: `));
    titles.add(title);
    assert.ok((await page.getByTestId('stage-lead').innerText()).length > 200);
    // What breaks at the stage is one click away: in the panel's "What breaks at this stage"
    // while healthy, or its "Why this happens" once failing.
    const story = page.locator('[data-testid="stage-failure"], [data-testid="what-breaks-explanation"]').first();
    assert.ok((await story.textContent()).length > 80);
  }
  assert.equal(titles.size, 7);
  const before = await total.innerText();
  await page.getByLabel('Daily active users', { exact: true }).focus();
  await page.keyboard.press('End');
  await until(() => total.innerText(), (t) => t !== before, `the cost moves from ${before}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the diagram runs the engine: healthy at the default load, red when the load is too much', async () => {
  const { page, context, problems } = await openPage(harness);
  const diagram = page.getByTestId('diagram');
  await diagram.waitFor();
  await page.waitForTimeout(1500);
  assert.ok((await diagram.locator('g.node').count()) >= 4);
  assert.equal(await diagram.locator('g.node.hot').count(), 0, 'one VM copes with 300 users');
  const appState = diagram.locator('g.node[data-node="app1"] .node-state');
  assert.equal(await appState.textContent(), '???', 'no metrics before stage 3');

  await page.getByTestId('stage-step').nth(2).click();
  await until(() => appState.textContent(), (t) => /CPU \d+%|threads \d+\/\d+/.test(t), 'the app server measured');
  await page.getByLabel('Daily active users', { exact: true }).fill('90'); // 10^(1 + 90/20) ≈ 320,000 users
  await page.waitForTimeout(2500);
  const dots = ((await page.getByTestId('dots-page').getAttribute('d')) ?? '').split('M').length - 1;
  assert.ok(dots > 10, `requests are drawn: ${dots}`);
  await diagram.locator('g.node.hot[data-node="app1"]').waitFor({ state: 'attached', timeout: 20000 });
  // Red because a measurement says so: its CPU is saturated, or every thread is taken.
  assert.match(await appState.textContent(), /^(CPU ([89]\d|100)%|threads (\d+)\/\3)/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a deploy on stage 3 takes the only app server down', async () => {
  const { page, context, problems } = await openPage(harness);
  await page.getByTestId('stage-step').nth(2).click();
  const app = page.getByTestId('diagram').locator('g.node[data-node="app1"]');
  await until(() => app.locator('.node-state').textContent(), (t) => /CPU/.test(t), 'the app server measured');
  assert.doesNotMatch((await app.getAttribute('class')) ?? '', /hot/);
  await page.getByRole('button', { name: 'Deploy a new version' }).click();
  await page.getByTestId('diagram').locator('g.node.hot[data-node="app1"]').waitFor({ state: 'attached', timeout: 5000 });
  assert.deepEqual(problems, []);
  await context.close();
});
