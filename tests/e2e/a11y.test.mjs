// End-to-end: an axe-core scan of every stage, in every theme, and of embed mode. axe runs
// inside the page from the local node_modules copy (no request leaves the origin); any
// violation fails the test with its rule, impact and the elements it found.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { startHarness, openPage, ROOT, running } from './harness.mjs';

const AXE = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const THEMES = ['light', 'dark', 'projector'];

let harness;
before(async () => {
  assert.ok(existsSync(AXE), `${AXE} is missing: run npm ci`);
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

/** The page's violations, one line each: rule, impact and the elements. */
async function violations(page) {
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document);
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')),
      summary: v.nodes[0]?.failureSummary ?? '',
    }));
  });
  return found.map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}\n    ${v.summary.replace(/\n/g, '\n    ')}`);
}

async function setTheme(page, theme) {
  await page.evaluate((t) => {
    document.documentElement.dataset.theme = t;
  }, theme);
}

/** The page's violations in each theme in turn, each line starting with its theme. */
async function violationsInEveryTheme(page) {
  const found = [];
  for (const theme of THEMES) {
    await setTheme(page, theme);
    for (const v of await violations(page)) found.push(`${theme}: ${v}`);
  }
  return found;
}

test('axe finds no violation on any of the seven stages in any theme', async () => {
  const { page, context, problems } = await openPage(harness);
  await page.addScriptTag({ path: AXE });
  await running(page);
  const steps = page.getByTestId('stage-step');
  assert.equal(await steps.count(), 7);
  const found = [];
  for (let i = 0; i < 7; i++) {
    await steps.nth(i).click();
    assert.equal(await steps.nth(i).getAttribute('aria-current'), 'step');
    await running(page, i + 1);
    for (const v of await violationsInEveryTheme(page)) found.push(`stage ${i + 1}, ${v}`);
  }
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('axe finds no violation in the drawn charts, in any theme', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=4&users=100000');
  await page.addScriptTag({ path: AXE });
  await running(page, 4);
  // The charts are drawn by the chart worker once they near the view.
  await page.getByTestId('cost-chart').scrollIntoViewIfNeeded();
  for (const chart of ['latency-chart', 'cost-chart', 'timeline-chart']) {
    await page.getByTestId(chart).locator('svg text').first().waitFor({ timeout: 30_000 });
  }
  const found = await violationsInEveryTheme(page);
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('axe finds no violation with the keyboard-help dialog open', async () => {
  const { page, context, problems } = await openPage(harness);
  await page.addScriptTag({ path: AXE });
  await running(page);
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  const found = await violationsInEveryTheme(page);
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('axe finds no violation in embed mode', async () => {
  const { page, context, problems } = await openPage(harness, '?embed=1');
  await page.addScriptTag({ path: AXE });
  await running(page);
  const found = await violationsInEveryTheme(page);
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('with no theme set the page follows the system colour scheme', async () => {
  const { page, context, problems } = await openPage(harness);
  await running(page);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await background();
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await background();
  assert.notEqual(light, dark);
  // An explicit theme wins over the system's.
  await setTheme(page, 'light');
  assert.equal(await background(), light);
  await page.emulateMedia({ colorScheme: 'light' });
  await setTheme(page, 'dark');
  assert.equal(await background(), dark);
  await setTheme(page, 'projector');
  const projector = await background();
  assert.notEqual(projector, dark);
  assert.deepEqual(problems, []);
  await context.close();
});

/** Users-slider positions (20 per factor of ten from 10 users): 10^(1 + p/20). */
const POSITION = { 1000: 40, 50000: 74 };

const edgeWidths = (page) =>
  page.getByTestId('edge').evaluateAll((lines) => lines.map((l) => Number(l.getAttribute('stroke-width'))));

test('a failing stage: the summary says so in words, the edges thicken, and axe finds nothing', async () => {
  const { page, context, problems } = await openPage(harness);
  await page.addScriptTag({ path: AXE });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.getByTestId('stage-step').nth(2).click();
  await running(page, 3);
  const summary = page.getByTestId('system-summary');
  assert.equal(await summary.getAttribute('aria-live'), 'polite');
  await page.getByLabel('Daily active users', { exact: true }).fill(String(POSITION[1000]));
  await page.waitForFunction(() =>
    /No requests failing|Under 1% of requests failing/.test(document.querySelector('[data-testid="system-summary"]').textContent),
  );
  const calm = await summary.innerText();
  assert.match(calm, /^\S.*: \d+(% busy| of [\d,]+ in use)\./);
  await page.waitForTimeout(1200);
  const quiet = Math.max(...(await edgeWidths(page)));

  // Fifty times the users: the one app server saturates.
  await page.getByLabel('Daily active users', { exact: true }).fill(String(POSITION[50000]));
  // Until the CPU's ten-second average catches up, the panel may say only that targets are
  // missed; then it names the saturated app server.
  const title = await page
    .locator('[data-testid="what-breaks-title"][data-code="app_saturated"] strong')
    .innerText({ timeout: 60_000 });
  await page.waitForFunction(
    (t) => document.querySelector('[data-testid="system-summary"]').textContent.includes(`What breaks: ${t}.`),
    title,
    { timeout: 30_000 },
  );
  const failing = await summary.innerText();
  assert.match(failing, /App server (CPU: \d+% busy|threads: [\d,]+ of [\d,]+ in use)\./, failing);
  // Slow before it errs: the sentence says how many requests fail, none included.
  assert.match(failing, /(\d+% of requests failing|No requests failing|Under 1% of requests failing)\./, failing);
  const busy = Math.max(...(await edgeWidths(page)));
  assert.ok(busy > quiet, `the busiest edge is thicker with more users: ${busy} against ${quiet}`);
  // With reduced motion no dot moves; the widths still show where the traffic goes.
  assert.equal(await page.locator('[data-testid="diagram"] .dots').evaluate((g) => getComputedStyle(g).display), 'none');
  assert.ok(new Set(await edgeWidths(page)).size > 1, 'edges differ in width');

  const found = await violationsInEveryTheme(page);
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard: shortcuts from the page, the help dialog, and keys left to fields, sliders and buttons', async () => {
  const { page, context, problems } = await openPage(harness);
  await running(page);
  const current = () => page.locator('[data-testid="stage-step"][aria-current="step"]').getAttribute('id');
  const playPause = page.getByTestId('play-pause');

  // The button opens the dialog; Escape closes it and the focus returns to the button.
  const opener = page.getByRole('button', { name: 'Keyboard shortcuts' });
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'the focus moves into the dialog');
  assert.equal(await dialog.getByRole('heading', { level: 2 }).innerText(), 'Keyboard shortcuts');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'keyboard-help-open');
  // ? opens it from anywhere; its close button closes it.
  await page.locator('h1').click();
  await page.keyboard.press('?');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'hidden' });

  // Space on the page plays and pauses; on the focused button it presses the button once.
  await page.locator('h1').click();
  await page.keyboard.press('Space');
  assert.equal(await playPause.innerText(), 'Play');
  await page.keyboard.press('Space');
  assert.equal(await playPause.innerText(), 'Pause');
  await playPause.focus();
  await page.keyboard.press('Space');
  assert.equal(await playPause.innerText(), 'Play', 'one toggle, not two');
  await page.keyboard.press('Space');
  assert.equal(await playPause.innerText(), 'Pause');

  // The arrows step through the stages; on the slider they move the slider.
  await page.locator('h1').click();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await current(), 'stage-step-3');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await current(), 'stage-step-2');
  const slider = page.getByLabel('Daily active users', { exact: true });
  const before = await slider.inputValue();
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await current(), 'stage-step-2');
  assert.equal(Number(await slider.inputValue()), Number(before) + 1);
  // Typing R in the seed field types; R on the page resets everything.
  await page.getByTestId('seed').focus();
  await page.keyboard.press('r');
  assert.equal(await current(), 'stage-step-2');
  await page.locator('h1').click();
  await page.keyboard.press('r');
  assert.equal(await current(), 'stage-step-1');
  assert.equal(await slider.inputValue(), before, 'reset puts the users back');
  assert.deepEqual(problems, []);
  await context.close();
});

test('axe finds no violation in the parts that load later: two designs side by side, and the customize panel open', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&users=50000&compare=1');
  await page.addScriptTag({ path: AXE });
  await page.getByTestId('compare-a').waitFor({ timeout: 20_000 });
  await page.getByTestId('compare-b').locator('.node-state').first().waitFor();
  await page.getByTestId('customize').locator('summary').click();
  await page.getByTestId('customize-link').waitFor({ timeout: 20_000 });
  // (The preview is a page of its own, scanned as such by the other tests.)
  const found = (await violationsInEveryTheme(page)).filter((v) => !v.includes('customize-preview >'));
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('axe finds no violation in a lesson, answered and with a change tried', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=1&lesson=1');
  await page.addScriptTag({ path: AXE });
  await page.getByTestId('lesson').waitFor({ timeout: 20_000 });
  await page.getByTestId('lesson-run').click();
  await page.locator('[data-testid="lesson-measured"][data-users]').waitFor({ timeout: 60_000 });
  await page.getByTestId('lesson-change-0').getByRole('button').click();
  await page.locator('[data-testid="lesson-change-0"][data-cures]').waitFor({ timeout: 60_000 });
  const found = await violationsInEveryTheme(page);
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
  await context.close();
});
