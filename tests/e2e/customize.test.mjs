// End-to-end: the teachers' customize panel. It loads only when opened (its own module), starts
// from the page as it is, carries the choices into the link and the embed code, follows the page
// as the teacher changes it, and its live preview is exactly what the link opens.
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

/** What a page (or the preview's frame) shows: its view, its controls and its system. */
function shown(frame) {
  return frame.evaluate(() => {
    const root = document.documentElement;
    const visible = (e) => e.getClientRects().length > 0;
    return {
      theme: root.dataset.theme ?? null,
      embed: root.hasAttribute('data-embed'),
      lock: root.hasAttribute('data-lock'),
      title: document.querySelector('#stage-title')?.textContent,
      controls: [...document.querySelectorAll('input[data-testid^="knob-"], [data-testid^="fault-"], [data-testid="users-slider"], [data-testid="play-pause"]')]
        .filter(visible)
        .map((e) => e.dataset.testid)
        .filter((id) => !id.endsWith('-value')),
      users: document.querySelector('[data-testid="users-value"]')?.textContent,
      machine: document.querySelector('[data-testid="knob-machine-value"]')?.textContent,
      time: document.querySelector('[data-testid="sim-time"]')?.textContent,
      states: [...document.querySelectorAll('[data-testid="diagram"] .node-state')].map((e) => e.textContent),
    };
  });
}

test('the customize panel loads when opened, carries the choices, follows the page, and previews exactly its link', async () => {
  const { page, context, problems, requests } = await openPage(harness, '?stage=3&users=50000&machine=3&seed=7');
  await running(page, 3, 1);
  // Nothing of the panel is fetched until it is opened.
  assert.ok(!requests.some((r) => r.includes('customize')), requests.join('\n'));
  await page.getByTestId('customize').locator('summary').click();
  const link = page.getByTestId('customize-link');
  await link.waitFor({ timeout: 20_000 });
  assert.ok(requests.some((r) => r.includes('/customize_bg.wasm?v=')), 'the module, at the build version');

  // It starts from the page: its address, stage, users, machine and seed, compact by default.
  const start = await until(() => link.inputValue(), (v) => v.includes('seed=7'), 'the link');
  assert.ok(start.startsWith(harness.url + '?'), start);
  for (const part of ['stage=3', 'users=50000', 'machine=3', 'embed=1']) assert.ok(start.includes(part), `${part} in ${start}`);

  // The choices go into the link and the code.
  await page.getByTestId('customize-lock').check();
  await page.getByTestId('customize-paused').check();
  await page.getByTestId('customize-show-faults').uncheck();
  await page.getByTestId('customize-show-writes').uncheck();
  await page.getByTestId('customize-theme').selectOption('dark');
  await page.getByTestId('customize-width').fill('640');
  await page.getByTestId('customize-height').fill('480');
  await page.getByTestId('customize-height').press('Tab');
  const chosen = await until(() => link.inputValue(), (v) => v.includes('theme=dark'), 'the link with the choices');
  const query = new URLSearchParams(chosen.split('?')[1]);
  assert.equal(query.get('lock'), '1');
  assert.equal(query.get('autoplay'), '0');
  assert.equal(query.get('controls'), 'users,machine,hit,replicas,apps,workers,shards,api,index,playback');
  const code = await page.getByTestId('customize-code').inputValue();
  assert.ok(code.includes('width="640" height="480"'), code);
  assert.ok(code.includes(chosen.replaceAll('&', '&amp;')), code);

  // The preview loads that link at that size, and opening the link shows the same page.
  const frameElement = page.getByTestId('customize-preview');
  await until(() => frameElement.getAttribute('src'), (src) => src === chosen, 'the preview');
  assert.equal(await frameElement.getAttribute('width'), '640');
  assert.equal(await frameElement.getAttribute('height'), '480');
  const frame = await (await frameElement.elementHandle()).contentFrame();
  await frame.waitForFunction(() => document.querySelectorAll('[data-testid="diagram"] .node-state').length > 0 && document.querySelector('[data-testid="diagram"] .node-state').textContent !== '', null, { timeout: 30_000 });
  const opened = await context.newPage();
  await opened.setViewportSize({ width: 640, height: 480 });
  await opened.goto(chosen);
  await opened.waitForFunction(() => document.querySelectorAll('[data-testid="diagram"] .node-state').length > 0 && document.querySelector('[data-testid="diagram"] .node-state').textContent !== '', null, { timeout: 30_000 });
  const [inPreview, inLink] = [await shown(frame), await shown(opened)];
  assert.deepEqual(inPreview, inLink);
  // And it is what was chosen: dark, compact, locked, paused at the start, no fault buttons.
  assert.deepEqual([inLink.theme, inLink.embed, inLink.lock], ['dark', true, true]);
  assert.ok(!inLink.controls.some((c) => c.startsWith('fault-') || c === 'knob-writes'), inLink.controls.join());
  assert.ok(inLink.controls.includes('knob-machine'), inLink.controls.join());
  assert.match(inLink.machine, /^c5\.4xlarge/);
  assert.match(inLink.time, /0\.0 s/);

  // It follows the page: another stage there is another stage in the link.
  await page.getByTestId('stage-step').nth(3).click();
  await until(() => link.inputValue(), (v) => v.includes('stage=4'), 'the link after the page moved to stage 4');
  assert.deepEqual(problems, []);
  await context.close();
});
