// End-to-end: the service worker. After a first visit the release build opens offline (at its
// address and with a query string), a new deploy at the same address is picked up cleanly, and
// where service workers are unavailable the app runs as before without a console error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, openPage, watchPage, DIST, ROOT, SUB_PATH } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

/** Waits for the app to render (the stage stepper and the diagram) and its engine to run. */
async function appRuns(page) {
  await page.getByTestId('stage-step').first().waitFor();
  await page.getByTestId('diagram').waitFor();
  // The engine runs: its worker has loaded (leaving earlier would cut its fetch off).
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid="sim-time"]')?.textContent.match(/[\d.]+/)?.[0]) > 0,
    undefined,
    { timeout: 30_000, polling: 100 },
  );
}

/** Waits until a service worker controls the page (it claims the page once activated). */
async function controlled(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** The version the page was built as (index.html's stamp). */
const buildOf = (page) => page.locator('meta[name="headroom-build"]').getAttribute('content');

const cacheNames = (page) => page.evaluate(() => caches.keys());

/** Polls `read` until `ok` holds of its value, or fails after `ms`. */
async function until(read, ok, what, ms = 60000) {
  const end = Date.now() + ms;
  let value;
  while (Date.now() < end) {
    value = await read();
    if (ok(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: still ${JSON.stringify(value)} after ${ms} ms`);
}

/** What a built dist/ declares: the worker's version and file list, and index.html's stamp. */
function buildInfo(dir) {
  const worker = readFileSync(join(dir, 'sw.js'), 'utf8');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  return {
    version: worker.match(/^const VERSION = "([0-9a-f]{16})";$/m)?.[1],
    assets: JSON.parse(worker.match(/^const ASSETS = (.*);$/m)?.[1] ?? 'null'),
    stamp: html.match(/<meta name="headroom-build" content="([^"]*)"/)?.[1],
  };
}

const runHook = (dir, env = {}) =>
  execFileSync('node', [join(ROOT, 'scripts', 'sw-precache.mjs'), dir], {
    encoding: 'utf8',
    env: { ...process.env, HEADROOM_SW: '', ...env },
  });

/**
 * A second deploy made from dist/ the way a rebuild would make it: the stylesheet changes (it
 * sets `--headroom-deploy: "next"` on the root), so it gets a new hashed name and integrity in
 * index.html, the old file is gone, and the build's hook writes the new sw.js and stamp.
 */
function nextDeploy() {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-next-'));
  cpSync(DIST, dir, { recursive: true });
  const oldCss = readdirSync(dir).find((f) => /^main-[0-9a-f]+\.css$/.test(f));
  assert.ok(oldCss, 'dist/ has a hashed stylesheet');
  const css = Buffer.concat([readFileSync(join(dir, oldCss)), Buffer.from('\n:root { --headroom-deploy: "next"; }\n')]);
  const newCss = `main-${createHash('sha256').update(css).digest('hex').slice(0, 16)}.css`;
  const sri = (b) => `sha384-${createHash('sha384').update(b).digest('base64')}`;
  let html = readFileSync(join(dir, 'index.html'), 'utf8');
  const before = html;
  html = html.replace(oldCss, newCss).replace(sri(readFileSync(join(dir, oldCss))), sri(css));
  assert.notEqual(html, before);
  writeFileSync(join(dir, newCss), css);
  rmSync(join(dir, oldCss));
  writeFileSync(join(dir, 'index.html'), html);
  runHook(dir);
  return { dir, ...buildInfo(dir) };
}

const deployMark = (page) =>
  page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--headroom-deploy').trim());

test('sw.js is served as JavaScript, as built, and lists exactly the files of this build', async () => {
  const response = await fetch(`${harness.url}sw.js`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/javascript/);
  assert.equal(await response.text(), readFileSync(join(DIST, 'sw.js'), 'utf8'));

  const { version, assets, stamp } = buildInfo(DIST);
  assert.match(version ?? '', /^[0-9a-f]{16}$/);
  assert.equal(stamp, version, 'index.html carries the same version as sw.js');
  const files = readdirSync(DIST).filter((f) => f !== 'sw.js' && !f.startsWith('.'));
  assert.deepEqual([...assets].sort(), files.map((f) => `./${f}`).sort());
  assert.equal(assets[0], './index.html');
  for (const kind of [/\.js$/, /_bg\.wasm$/, /\.css$/, /\.svg$/]) {
    assert.ok(assets.some((a) => kind.test(a)), `the list has a ${kind} file`);
  }

  // The hook is repeatable: run again on the built folder it gives the same version.
  const copy = mkdtempSync(join(tmpdir(), 'headroom-same-'));
  try {
    cpSync(DIST, copy, { recursive: true });
    runHook(copy);
    assert.equal(buildInfo(copy).version, version);
    assert.equal(readFileSync(join(copy, 'index.html'), 'utf8'), readFileSync(join(DIST, 'index.html'), 'utf8'));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('after a first visit the app opens offline, at its address and with a query string', async () => {
  const context = await harness.browser.newContext();
  try {
    const { page, problems } = await openPage(harness, '', context);
    await appRuns(page);
    await controlled(page);
    const { version, assets } = buildInfo(DIST);
    assert.equal(await buildOf(page), version);

    // The worker fetched and kept every file of the build itself, under this version.
    const names = await cacheNames(page);
    assert.equal(names.length, 1, names.join('\n'));
    assert.ok(names[0].endsWith(version) && names[0].includes(harness.url), names[0]);
    const cached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => r.url), names[0]);
    assert.deepEqual(cached.sort(), assets.map((a) => new URL(a, harness.url).href).sort());

    // Online, the page itself comes from the server (network first), its hashed files from the
    // cache (cache first). (Nothing of the first load is left in flight for the reload to cut off.)
    await page.waitForLoadState('networkidle');
    const before = harness.server.requests.length;
    await page.reload();
    await appRuns(page);
    const fetched = harness.server.requests.slice(before).filter((p) => p !== `${SUB_PATH}sw.js`);
    assert.deepEqual(fetched, [SUB_PATH]);

    await context.setOffline(true);
    const served = harness.server.requests.length;
    for (const query of ['', '?stage=3&users=50000', 'index.html', 'index.html?seed=7']) {
      await page.goto(harness.url + query);
      await appRuns(page);
      assert.equal(await buildOf(page), version, query);
    }
    await page.reload();
    await appRuns(page);
    // The chart worker starts offline too, from the same cache.
    await page.getByTestId('latency-chart').scrollIntoViewIfNeeded();
    await page.getByTestId('latency-chart').locator('svg text').first().waitFor({ timeout: 30_000 });
    assert.equal(harness.server.requests.length, served, 'nothing reached the server while offline');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a new deploy is picked up: the next visit runs it, the old cache is deleted, offline runs it too', async () => {
  const next = nextDeploy();
  const context = await harness.browser.newContext();
  try {
    const { page, problems } = await openPage(harness, '', context);
    await appRuns(page);
    await controlled(page);
    const first = buildInfo(DIST).version;
    assert.notEqual(next.version, first, 'the changed build has a new version');
    assert.equal(await deployMark(page), '');
    const [oldCache] = await cacheNames(page);
    assert.ok(oldCache.endsWith(first), oldCache);
    await page.waitForLoadState('networkidle');

    harness.server.deploy(next.dir);
    // Navigations go to the network first: the very next visit is the new deploy, whose new
    // stylesheet is not in the old cache and comes from the server.
    await page.reload();
    await appRuns(page);
    assert.equal(await buildOf(page), next.version);
    assert.equal(await deployMark(page), '"next"');

    // Meanwhile the browser checks sw.js (Chromium does so some seconds after a navigation) and
    // finds the new one: it precaches the new list, takes over and deletes the old cache.
    await until(
      () => cacheNames(page),
      (names) => names.length === 1 && names[0].endsWith(next.version),
      'caches after the deploy',
    );
    assert.ok(!(await cacheNames(page)).includes(oldCache));
    const cached = await page.evaluate(async () => {
      const names = await caches.keys();
      return (await (await caches.open(names[0])).keys()).map((r) => r.url);
    });
    assert.deepEqual(cached.sort(), next.assets.map((a) => new URL(a, harness.url).href).sort());

    // Offline, the new version's own index.html and files: no old page, no missing file.
    await context.setOffline(true);
    await page.reload();
    await appRuns(page);
    assert.equal(await buildOf(page), next.version);
    assert.equal(await deployMark(page), '"next"');
    assert.deepEqual(problems, []);
  } finally {
    harness.server.deploy(DIST);
    await context.close();
    rmSync(next.dir, { recursive: true, force: true });
  }
});

test('built with HEADROOM_SW=off, the worker removes itself and its cache from a visitor who had it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-off-'));
  cpSync(DIST, dir, { recursive: true });
  runHook(dir, { HEADROOM_SW: 'off' });
  assert.ok(!readFileSync(join(dir, 'sw.js'), 'utf8').includes("addEventListener('fetch'"), 'the off worker serves nothing');
  const context = await harness.browser.newContext();
  try {
    const { page, problems } = await openPage(harness, '', context);
    await appRuns(page);
    await controlled(page);
    assert.equal((await cacheNames(page)).length, 1);
    // Nothing of the first load still in flight, for the reload to cut off.
    await page.waitForLoadState('networkidle');

    harness.server.deploy(dir);
    await page.reload();
    await appRuns(page);
    await until(
      () => page.evaluate(async () => [(await navigator.serviceWorker.getRegistrations()).length, await caches.keys()]),
      ([registrations, names]) => registrations === 0 && names.length === 0,
      'registrations and caches once the off worker is deployed',
    );
    // A later visit runs the app from the host alone.
    const again = await context.newPage();
    const later = watchPage(again, new URL(harness.url).origin);
    await again.goto(harness.url);
    await appRuns(again);
    assert.equal(await again.evaluate(() => navigator.serviceWorker.controller), null);
    assert.deepEqual(problems, []);
    assert.deepEqual(later.problems, []);
  } finally {
    harness.server.deploy(DIST);
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without service workers the app runs as before, with no console error', async () => {
  const context = await harness.browser.newContext({ serviceWorkers: 'block' });
  try {
    const { page, problems } = await openPage(harness, '', context);
    await appRuns(page);
    await page.waitForLoadState('networkidle');
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller), null);
    assert.deepEqual(await cacheNames(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
