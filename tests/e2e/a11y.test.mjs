// End-to-end: an axe-core scan of every stage, in every theme, and of embed mode. axe runs
// inside the page from the local node_modules copy (no request leaves the origin); any
// violation fails the test with its rule, impact and the elements it found.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { startHarness, openPage, ROOT } from './harness.mjs';

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

/** Waits until the page shows stage `stage` (1 to 7), its diagram the running system. */
async function settled(page, stage = 1) {
  await page.getByTestId('diagram').locator('g.node').first().waitFor();
  await page.waitForFunction((n) => {
    const title = document.querySelector('#stage-title')?.textContent ?? '';
    if (!title.startsWith(`Stage ${n}:`)) return false;
    const t = document.querySelector('[data-testid="sim-time"]')?.textContent ?? '';
    const states = [...document.querySelectorAll('[data-testid="diagram"] .node-state')];
    return Number((t.match(/[\d.]+/) ?? ['0'])[0]) > 0 && states.some((s) => s.textContent !== '');
  }, stage);
}

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

test('axe finds no violation on any of the seven stages in any theme', async () => {
  const { page, context, problems } = await openPage(harness);
  await page.addScriptTag({ path: AXE });
  await settled(page);
  const steps = page.getByTestId('stage-step');
  assert.equal(await steps.count(), 7);
  const found = [];
  for (let i = 0; i < 7; i++) {
    await steps.nth(i).click();
    assert.equal(await steps.nth(i).getAttribute('aria-current'), 'step');
    await settled(page, i + 1);
    for (const theme of THEMES) {
      await setTheme(page, theme);
      for (const v of await violations(page)) found.push(`stage ${i + 1}, ${theme}: ${v}`);
    }
  }
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('axe finds no violation with the keyboard-help dialog open', async () => {
  const { page, context, problems } = await openPage(harness);
  await page.addScriptTag({ path: AXE });
  await settled(page);
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  const found = [];
  for (const theme of THEMES) {
    await setTheme(page, theme);
    for (const v of await violations(page)) found.push(`${theme}: ${v}`);
  }
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('axe finds no violation in embed mode', async () => {
  const { page, context, problems } = await openPage(harness, '?embed=1');
  await page.addScriptTag({ path: AXE });
  await settled(page);
  const found = [];
  for (const theme of THEMES) {
    await setTheme(page, theme);
    for (const v of await violations(page)) found.push(`${theme}: ${v}`);
  }
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('with no theme set the page follows the system colour scheme', async () => {
  const { page, context, problems } = await openPage(harness);
  await settled(page);
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
