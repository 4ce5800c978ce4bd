// Shared set-up for the end-to-end tests: the release dist/ served under a sub-path,
// Debian's Chromium driven by playwright-core, and a record of everything the page did wrong.
import { chromium } from 'playwright-core';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { serveStatic } from './static-server.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = process.env.HEADROOM_DIST ?? join(ROOT, 'dist');
export const SUB_PATH = '/course/headroom/';

/**
 * The README's link to each stage's failure, `| 3 | \`?stage=3&users=50000\` | ... |`, as
 * [[3, '?stage=3&users=50000'], ...]: one per stage, in order, or it throws.
 */
export function failureLinks() {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const links = [...readme.matchAll(/^\| (\d) \| `(\?stage=\d&users=\d+)` \|/gm)].map((m) => [Number(m[1]), m[2]]);
  if (links.map(([stage]) => stage).join() !== '1,2,3,4,5,6,7') {
    throw new Error(`the README should have one failure link per stage, in order; it has ${JSON.stringify(links)}`);
  }
  return links;
}

/** Flags that keep a headless page's timers and frames at full rate (headless pages count as
 * hidden or occluded), for the measurements in scripts/. */
export const UNTHROTTLED = [
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** Starts the static server and the browser, with `extraArgs` for Chromium; call `stop()` when
 * done. */
export async function startHarness(extraArgs = []) {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(`no release build in ${DIST}: run scripts/build first`);
  }
  const server = await serveStatic(DIST, SUB_PATH);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
  return {
    url: server.url,
    server,
    browser,
    async stop() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Records, on `page`, console errors, uncaught exceptions, failed requests, HTTP errors and any
 * request that leaves `origin`. Returns the lists `{ problems, requests }`, filled as it goes.
 */
export function watchPage(page, origin) {
  const problems = [];
  const requests = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('request', (req) => {
    requests.push(req.url());
    const url = new URL(req.url());
    if (url.protocol !== 'data:' && url.protocol !== 'blob:' && url.origin !== origin) {
      problems.push(`request left the origin: ${req.url()}`);
    }
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { problems, requests };
}

/**
 * Opens a page at the app's address plus `query`, watched as `watchPage` does, in a fresh
 * browser context unless one is given (service workers and caches live per context).
 */
export async function openPage(harness, query = '', context = undefined) {
  context ??= await harness.browser.newContext();
  const page = await context.newPage();
  const { problems, requests } = watchPage(page, new URL(harness.url).origin);
  await page.goto(harness.url + query);
  return { page, context, problems, requests };
}

/**
 * Waits until the page shows stage `stage` (1 to 7) and its diagram the running system: the
 * parts' states drawn, and at least `seconds` simulated seconds gone (more than none).
 */
export async function running(page, stage = 1, seconds = 0) {
  await page.getByTestId('diagram').locator('g.node').first().waitFor();
  await page.waitForFunction(([n, s]) => {
    const title = document.querySelector('#stage-title')?.textContent ?? '';
    if (!title.startsWith(`Stage ${n}:`)) return false;
    const t = Number(((document.querySelector('[data-testid="sim-time"]')?.textContent ?? '').match(/[\d.]+/) ?? ['0'])[0]);
    const states = [...document.querySelectorAll('[data-testid="diagram"] .node-state')];
    return t > 0 && t >= s && states.some((e) => e.textContent !== '');
  }, [stage, seconds], { timeout: 60_000 });
}

/**
 * Polls `read()` every 100 ms until `ok(value)` holds, and returns that value; fails with
 * `what` and the last value after `timeout` ms. The engine answers through a worker, so what
 * the page shows follows a change a moment later.
 */
export async function until(read, ok, what, timeout = 10_000) {
  const end = Date.now() + timeout;
  let value;
  for (;;) {
    value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The number a locator shows ("1,234.5 req/s" → 1234.5), or NaN when it shows none yet. */
export async function numberIn(locator) {
  const m = (await locator.innerText()).replace(/,/g, '').match(/-?\d+(\.\d+)?/);
  return m ? Number(m[0]) : NaN;
}

/** The simulated time the clock shows, seconds. */
export async function simTime(page) {
  return Number((await page.getByTestId('sim-time').innerText()).match(/[\d.]+/)[0]);
}

/**
 * The clock once it has settled: the worker answers a pause with a reading taken the moment it
 * paused, which may come after the one on screen. Waits for the clock to show the same time
 * over 400 ms (longer than the 250 ms between readings of a running simulation): a clock that
 * kept running would time this out.
 */
export async function settledTime(page) {
  const deadline = Date.now() + 10_000;
  let last = await simTime(page);
  let since = Date.now();
  while (Date.now() - since < 400) {
    if (Date.now() >= deadline) throw new Error(`the clock did not settle (last ${last} s)`);
    await page.waitForTimeout(100);
    const now = await simTime(page);
    if (now !== last) [last, since] = [now, Date.now()];
  }
  return last;
}
