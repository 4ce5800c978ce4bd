// End-to-end: the timeline downloads as CSV and JSON, written by the chart worker; the files
// parse, name their columns with units, and end with the numbers the page shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startHarness, openPage, running, simTime, settledTime } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

/** Clicks `testid` and returns the downloaded file's name and text. */
async function download(page, testid) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
}

/** The number in a metric's text, in the unit of the CSV column (ms for "1.2 s", % for "3.4%"). */
async function shown(page, testid) {
  const text = (await page.getByTestId(testid).innerText()).trim();
  const n = Number(text.match(/[\d,.]+/)[0].replace(/,/g, ''));
  return { text, value: /\d s\b/.test(text) ? n * 1000 : n };
}

test('the timeline downloads as CSV and JSON that end with what the page shows', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&users=50000');
  await running(page, 3, 1);
  // A change, to find in its row.
  await page.getByTestId('fault-spike').click();
  await running(page, 3, 4);
  await page.getByTestId('play-pause').click();
  let time = await settledTime(page);
  // Step on (0.1 s at a time) until the reading shown is not the first of its second: the
  // timeline's sample of that second is then an older reading, and only a file that ends with
  // the reading shown has a row at this time.
  let steps = 0;
  for (;;) {
    const before = time;
    await page.getByTestId('step').click();
    await page.waitForFunction((t) => Number(document.querySelector('[data-testid="sim-time"]').textContent.match(/[\d.]+/)[0]) > t, before);
    time = await simTime(page);
    steps += 1;
    if (Math.floor(time) === Math.floor(before) && steps > 1) break;
    assert.ok(steps < 20, 'stepping');
  }
  await page.getByTestId('timeline-chart').scrollIntoViewIfNeeded();

  const csv = await download(page, 'download-csv');
  assert.equal(csv.name, 'headroom-timeline.csv');
  await page.getByTestId('download-status').filter({ hasText: 'Downloading headroom-timeline.csv.' }).waitFor();
  const lines = csv.text.split('\r\n');
  assert.equal(lines.pop(), '', 'every line ends with CRLF');
  assert.equal(lines[0], 'time_s,throughput_rps,p95_ms,error_percent,stale_percent,change');
  const rows = lines.slice(1).map((l) => l.split(','));
  // A row a simulated second at 1× (readings come four times a second).
  assert.ok(rows.length >= Math.floor(time) - 1, `${rows.length} rows at ${time} s`);
  const changes = rows.filter((r) => r[5] !== '').map((r) => r[5]);
  assert.deepEqual(changes, ['spike on'], 'the spike, in the row of its second');
  for (const row of rows) {
    assert.equal(row.length, 6, row.join(','));
    for (const field of row.slice(0, 4)) assert.ok(Number.isFinite(Number(field)) && field !== '', row.join(','));
  }
  const times = rows.map((r) => Number(r[0]));
  const seconds = times.map(Math.floor);
  assert.ok(seconds.every((s, i) => i === 0 || s > seconds[i - 1]), `oldest first, one a second: ${times}`);

  // The last row is the reading on the page: each figure within the page's rounding of it.
  const last = rows.at(-1).map(Number);
  // (The clock shows a tenth of a second; the reading before this one is a step, 0.1 s, older.)
  assert.ok(Math.abs(last[0] - time) <= 0.05, `last row at ${last[0]} s, the page at ${time} s`);
  const throughput = await shown(page, 'metric-throughput');
  assert.ok(Math.abs(last[1] - throughput.value) <= 0.5, `throughput ${last[1]} vs "${throughput.text}"`);
  const p95 = await shown(page, 'metric-p95');
  const p95Step = p95.value >= 10_000 ? 50 : 0.5;
  assert.ok(Math.abs(last[2] - p95.value) <= p95Step, `p95 ${last[2]} ms vs "${p95.text}"`);
  const errors = await shown(page, 'metric-errors');
  assert.ok(Math.abs(last[3] - errors.value) <= 0.05, `errors ${last[3]}% vs "${errors.text}"`);
  assert.ok(last[1] > 0, `stage 3 answers requests: ${last[1]} req/s`);

  const json = await download(page, 'download-json');
  assert.equal(json.name, 'headroom-timeline.json');
  const data = JSON.parse(json.text);
  assert.equal(data.format, 'headroom timeline');
  assert.match(data.settings, /^stage=3&users=50000&/);
  assert.deepEqual(
    data.columns.map((c) => `${c.name} (${c.unit})`),
    ['time_s (s)', 'throughput_rps (requests/s)', 'p95_ms (ms)', 'error_percent (%)', 'stale_percent (%)', 'change ()'],
  );
  assert.deepEqual(data.rows.at(-1).slice(0, 4), last.slice(0, 4), 'the JSON ends with the CSV\'s last row');
  assert.deepEqual(data.changes.map((c) => c.what), ['spike on']);
  assert.equal(data.rows.length, rows.length);

  assert.deepEqual(problems, []);
  await context.close();
});

test('the diagram saves as an SVG that opens on its own and a PNG twice its size, both as shown', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&users=50000');
  await running(page, 3, 3);
  await page.getByTestId('play-pause').click();
  await settledTime(page);
  const shownStates = await page.locator('[data-testid="diagram"] .node-state').allTextContents();

  const svg = await download(page, 'save-svg');
  assert.equal(svg.name, 'headroom-diagram.svg');
  // It parses as SVG on its own, with the states the page shows and the colours written in.
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    return {
      error: doc.getElementsByTagName('parsererror').length,
      root: root.localName,
      ns: root.namespaceURI,
      width: Number(root.getAttribute('width')),
      height: Number(root.getAttribute('height')),
      states: [...doc.querySelectorAll('.node-state')].map((e) => e.textContent),
      styled: [...doc.querySelectorAll('.node rect')].every((e) => /fill:/.test(e.getAttribute('style') ?? '')),
    };
  }, svg.text);
  assert.equal(parsed.error, 0, 'no parse error');
  assert.equal(parsed.root, 'svg');
  assert.equal(parsed.ns, 'http://www.w3.org/2000/svg');
  assert.deepEqual(parsed.states, shownStates);
  assert.ok(parsed.styled, 'each part carries its style');
  // It draws as an image, at its own size.
  const drawn = await page.evaluate(
    (text) =>
      new Promise((resolve) => {
        const image = new Image();
        image.onload = () => resolve({ w: image.naturalWidth, h: image.naturalHeight });
        image.onerror = () => resolve(null);
        image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
      }),
    svg.text,
  );
  assert.deepEqual(drawn, { w: Math.round(parsed.width), h: Math.round(parsed.height) });

  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-png').click()]);
  assert.equal(file.suggestedFilename(), 'headroom-diagram.png');
  const png = await readFile(await file.path());
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  // IHDR: width and height, twice the diagram's.
  assert.equal(png.readUInt32BE(16), Math.floor(parsed.width * 2));
  assert.equal(png.readUInt32BE(20), Math.floor(parsed.height * 2));
  assert.deepEqual(problems, []);
  await context.close();
});
