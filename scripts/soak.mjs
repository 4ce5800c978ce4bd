// A soak of the release build in headless Chromium: stage 7 at 10,000,000 users, at 10×, for
// SOAK_MIN minutes (default 30). Once a minute it records
//   - the page's JS heap after a garbage collection (performance.memory, precise),
//   - the page's wasm memory (its views) and the engine worker's wasm memory (the simulation),
//     each the size of the module's linear memory, which grows and never shrinks,
//   - the simulated clock.
// The JS heap is the median of five readings two seconds apart, each after a collection: one
// reading catches whatever the page holds at that instant (a reading being drawn, say).
// Prints a row per minute and PASS/FAIL: every figure after the first minute within 10% of
// that minute's. Exits with 1 if any fails.
//
// Usage: node scripts/soak.mjs [--json FILE]   (scripts/soak builds dist/ first)
// Environment: HEADROOM_DIST, CHROMIUM, SOAK_MIN (default 30), SAMPLE_S (default 60).
import { writeFileSync } from 'node:fs';
import { startHarness, UNTHROTTLED } from '../tests/e2e/harness.mjs';

const SOAK_MIN = Number(process.env.SOAK_MIN ?? 30);
const SAMPLE_S = Number(process.env.SAMPLE_S ?? 60);
const TOLERANCE = 0.1;
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;

const { server, browser } = await startHarness([
  ...UNTHROTTLED,
  // Unrounded heap figures, and a collection before each, so a figure is what is live.
  '--enable-precise-memory-info',
  '--js-flags=--expose-gc',
]);

const MB = 1024 * 1024;
const mb = (bytes) => (bytes / MB).toFixed(2);

let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  // Trunk's loader announces the page's wasm exports (its memory among them) once started.
  await page.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (e) => {
      window.__headroomWasm = e.detail.wasm;
    });
  });
  await page.goto(server.url);
  await page.waitForFunction(() => window.__headroomWasm !== undefined, null, { timeout: 30_000 });

  await page.getByTestId('stage-step').nth(6).click();
  await page.locator('[data-testid="stage-step"][aria-current="step"]').filter({ hasText: 'Replicas' }).waitFor();
  await page.getByTestId('users-slider').focus();
  await page.keyboard.press('End');
  const users = (await page.getByTestId('users-value').innerText()).trim();
  if (!/10,000,000/.test(users)) throw new Error(`the slider reads "${users}", not 10,000,000 users`);
  await page.getByTestId('speed-10').check();

  const engineWorker = async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const worker = page.workers().find((w) => w.url().includes('engine_worker'));
      if (worker) return worker;
      if (Date.now() > deadline) throw new Error('the engine worker did not start');
      await page.waitForTimeout(200);
    }
  };
  const worker = await engineWorker();

  const HEAP_READINGS = 5;
  const sample = async (minute) => {
    const heaps = [];
    for (let i = 0; i < HEAP_READINGS; i++) {
      if (i > 0) await page.waitForTimeout(2_000);
      heaps.push(
        await page.evaluate(() => {
          window.gc();
          return performance.memory.usedJSHeapSize;
        }),
      );
    }
    heaps.sort((a, b) => a - b);
    const pageFigures = await page.evaluate(() => ({
      page_wasm: window.__headroomWasm.memory.buffer.byteLength,
      clock: document.querySelector('[data-testid="sim-time"]')?.innerText ?? '',
    }));
    pageFigures.js_heap = heaps[Math.floor(HEAP_READINGS / 2)];
    // The worker's glue returns its instance's exports when asked again once initialised.
    const workerWasm = await worker.evaluate(async () => (await wasm_bindgen()).memory.buffer.byteLength);
    const simulated = Number(pageFigures.clock.match(/([0-9.]+) s/)?.[1] ?? NaN);
    return { minute, ...pageFigures, worker_wasm: workerWasm, simulated_s: simulated };
  };

  const rows = [];
  const started = Date.now();
  console.log(`Stage 7, ${users}, at 10×, for ${SOAK_MIN} min (a figure every ${SAMPLE_S} s)`);
  console.log('minute  simulated s  page JS heap MB  page wasm MB  engine worker wasm MB');
  for (let i = 1; i * SAMPLE_S <= SOAK_MIN * 60; i++) {
    const due = started + i * SAMPLE_S * 1000;
    await page.waitForTimeout(Math.max(0, due - Date.now()));
    const row = await sample((i * SAMPLE_S) / 60);
    rows.push(row);
    console.log(
      `${row.minute.toFixed(1).padStart(6)}  ${String(row.simulated_s).padStart(11)}  ${mb(row.js_heap).padStart(15)}  ${mb(row.page_wasm).padStart(12)}  ${mb(row.worker_wasm).padStart(21)}`,
    );
  }
  if (problems.length > 0) {
    failed = true;
    console.log(`FAIL: the page reported problems:\n  ${problems.join('\n  ')}`);
  }
  const first = rows[0];
  for (const [key, name] of [
    ['js_heap', 'page JS heap'],
    ['page_wasm', 'page wasm memory'],
    ['worker_wasm', 'engine worker wasm memory'],
  ]) {
    const later = rows.slice(1).map((r) => r[key]);
    const lo = Math.min(...later);
    const hi = Math.max(...later);
    const ok = later.every((v) => Math.abs(v / first[key] - 1) <= TOLERANCE);
    if (!ok) failed = true;
    console.log(
      `${ok ? 'PASS' : 'FAIL'}: ${name} after the first minute ${mb(lo)}–${mb(hi)} MB against ${mb(first[key])} MB at minute ${first.minute.toFixed(1)} (within ±${TOLERANCE * 100}%)`,
    );
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ users, soak_min: SOAK_MIN, rows }, null, 2));
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
