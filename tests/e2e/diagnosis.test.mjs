// End-to-end: the diagnosis holds. Each failure link in the README's table opens its stage at
// the load where it breaks; over five seeds, from simulated second 10 to 70, the "What breaks"
// panel names that stage's own failure at least 90% of the time, and whenever it offers "Go to
// stage", it offers the stage that adds the fix for the failure it shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, failureLinks } from './harness.mjs';

const SEEDS = [1, 2, 3, 4, 5];
const FROM_S = 10;
const TO_S = 70;
const SHARE = 0.9;

/**
 * Each failure's code → the stage whose own failure it is, and the stage that adds its fix
 * (none for the failures no later stage fixes). These are the expectations the engine's
 * `Failure::stage` and `Failure::fixed_by` must meet.
 */
const FAILURES = {
  oom_cascade: { stage: 1, fix: 2 },
  blind_slowdown: { stage: 2, fix: 3 },
  unindexed_query: { stage: 2, fix: 3 },
  app_saturated: { stage: 3, fix: 4 },
  db_connections_exhausted: { stage: 4, fix: 5 },
  database_cpu: { stage: 4, fix: 5 },
  upstream_blocking: { stage: 5, fix: 6 },
  primary_saturated: { stage: 6, fix: 7 },
  stale_reads: { stage: 7, fix: null },
  cross_shard_partial_commit: { stage: 7, fix: null },
  unexplained: { stage: null, fix: null },
};

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

/**
 * Watches the page from inside, every 50 ms: the simulated time, the failure shown and the
 * stage "Go to stage" offers. One sample each time the clock moves, from `from` to `to` s.
 */
function watch(page, from, to) {
  return page.evaluate(
    ([from, to]) =>
      new Promise((resolve) => {
        const samples = [];
        let last = -1;
        const timer = setInterval(() => {
          const clock = document.querySelector('[data-testid="sim-time"]')?.textContent ?? '';
          const t = Number(clock.match(/[\d.]+/)?.[0] ?? NaN);
          if (!(t > last)) return;
          last = t;
          if (t >= from && t <= to) {
            samples.push({
              t,
              code: document.querySelector('[data-testid="what-breaks-title"]')?.dataset.code ?? null,
              next: document.querySelector('[data-testid="what-breaks-next"]')?.dataset.stage ?? null,
            });
          }
          if (t > to) {
            clearInterval(timer);
            resolve(samples);
          }
        }, 50);
      }),
    [from, to],
  );
}

for (const [stage, link] of failureLinks()) {
  test(`stage ${stage}: the README's link ${link} shows the stage's own failure, and the fix`, async () => {
    let shown = 0;
    let total = 0;
    const perSeed = [];
    for (const seed of SEEDS) {
      const { page, context, problems } = await openPage(harness, `${link}&seed=${seed}&speed=10`);
      const samples = await watch(page, FROM_S, TO_S);
      assert.ok(samples.length >= 20, `seed ${seed}: only ${samples.length} samples from ${FROM_S} to ${TO_S} s`);
      const own = samples.filter((s) => FAILURES[s.code]?.stage === stage).length;
      for (const s of samples) {
        if (s.next === null) continue;
        assert.ok(s.code in FAILURES, `seed ${seed} at ${s.t} s: an unknown failure ${s.code}`);
        assert.equal(
          Number(s.next),
          FAILURES[s.code].fix,
          `seed ${seed} at ${s.t} s: "Go to stage" offers ${s.next} for ${s.code}`,
        );
      }
      // The stage's own failure is fixed by a later stage, so the panel must offer it.
      const offered = samples.filter((s) => FAILURES[s.code]?.stage === stage && FAILURES[s.code].fix !== null);
      assert.ok(
        offered.every((s) => s.next !== null),
        `seed ${seed}: "Go to stage" missing while ${offered.find((s) => s.next === null)?.code} is shown`,
      );
      shown += own;
      total += samples.length;
      perSeed.push(`seed ${seed}: ${own}/${samples.length}`);
      assert.deepEqual(problems, [], `seed ${seed}: the page did nothing wrong`);
      await context.close();
    }
    console.log(`stage ${stage} ${link}: own failure in ${((100 * shown) / total).toFixed(1)}% (${perSeed.join(', ')})`);
    assert.ok(shown / total >= SHARE, `stage ${stage}: own failure shown in ${shown} of ${total} samples`);
  });
}
