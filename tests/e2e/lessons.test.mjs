// End-to-end: the lessons (`lesson=1`, or the switch). Each of the seven is done as a learner
// would: a wrong guess, the run that grows the users until the system breaks, then a guess
// near where it broke, and every change on offer tried where it broke. Each change's outcome
// is the engine's: the taught change cures the stage, and each tempting one does what the
// lesson's data says. A changed model parameter changes what the lesson measures, the finished
// lessons are kept in the browser, and the switch turns the lesson on and off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, until } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

// What each change on offer does where the stage breaks, taught change first
// (engine/src/lessons.rs; engine/tests/lessons.rs measures the same natively).
// `more`: it cures, for more a month than the taught change.
const CHANGES = {
  1: [['Move to stage 2', 'cures'], ['c5.24xlarge', 'more']],
  2: [['Move to stage 3', 'cures'], ['c5.24xlarge', 'fails']],
  3: [['Move to stage 4', 'cures'], ['t3.large', 'fails'], ['c5.24xlarge', 'more']],
  4: [['Move to stage 5', 'cures'], ['64 servers', 'fails']],
  5: [['Move to stage 6', 'cures'], ['99% of reads', 'fails'], ['64 servers', 'more']],
  6: [['Move to stage 7', 'cures'], ['10,000 workers', 'fails'], ['c5.24xlarge', 'fails']],
  7: [['8 replicas', 'fails'], ['16 shards', 'fails']],
};

// The stage's own failure, which its ramp must find.
const FAILURES = {
  1: 'oom_cascade',
  2: 'blind_slowdown',
  3: 'app_saturated',
  4: 'db_connections_exhausted',
  5: 'upstream_blocking',
  6: 'primary_saturated',
  7: 'stale_reads',
};

/** The users slider's position for `users` (src/log_scale.rs: 10 users at 0, 20 steps a decade). */
const position = (users) => Math.round(Math.log10(users / 10) * 20);
const dollars = (text) => Number(text.match(/for \$([\d,.]+) a month/)[1].replace(/,/g, ''));
const text = (page, id) => page.getByTestId(id).innerText();

/** Guesses `users`, runs the lesson, and returns what the answer says (`problems`: what the
 * page did wrong, told if the run times out). */
async function guessAndRun(page, users, problems = []) {
  await page.getByTestId('lesson-guess').fill(String(position(users)));
  await page.getByTestId('lesson-run').click();
  const measured = page.getByTestId('lesson-measured');
  try {
    await until(() => measured.getAttribute('data-users'), (u) => u !== null, 'the ramp to find where it breaks', 120_000);
  } catch (e) {
    // What the lesson showed when it gave up waiting, to tell a slow run from a stalled one.
    e.message += `\nThe lesson said:\n${await page.getByTestId('lesson').innerText()}\nProblems: ${JSON.stringify(problems)}`;
    throw e;
  }
  return {
    users: Number(await measured.getAttribute('data-users')),
    right: await page.getByTestId('lesson-verdict').getAttribute('data-right'),
    verdict: await text(page, 'lesson-verdict'),
    measured: await measured.innerText(),
    failing: await page.locator('[data-testid="lesson-ramp"] tr[data-failing] [data-code]').getAttribute('data-code'),
  };
}

/** Tries change `i` and returns its row: label, outcome, whether it cures. */
async function tryChange(page, i) {
  const row = page.getByTestId(`lesson-change-${i}`);
  await row.getByRole('button').click();
  await until(() => row.getAttribute('data-cures'), (c) => c !== null, `change ${i} to be run`, 120_000);
  // The button kept the focus while its change ran.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), await row.getByRole('button').innerText());
  return {
    label: await row.getByRole('button').innerText(),
    outcome: await text(page, `lesson-outcome-${i}`),
    cures: (await row.getAttribute('data-cures')) === 'true',
  };
}

test('each of the seven lessons: a wrong guess and a right one, and every change tried, each outcome the engine\'s', async () => {
  const context = await harness.browser.newContext({ viewport: { width: 1440, height: 900 } });
  for (let stage = 1; stage <= 7; stage++) {
    const { page, problems } = await openPage(harness, `?stage=${stage}&lesson=1`, context);
    const lesson = page.getByTestId('lesson');
    await page.locator(`[data-testid="lesson"][data-stage="${stage}"]`).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('stage-view').isVisible(), false, 'the workbench gives way to the lesson');
    // Lessons finished so far are kept in the browser.
    assert.equal(await text(page, 'lesson-done'), `Lessons finished: ${stage - 1} of 7`);

    // A wrong guess: ten users. "Run it" disables itself, and the focus goes on to the run.
    const wrong = await guessAndRun(page, 10, problems);
    const focused = () => page.evaluate(() => document.activeElement?.textContent);
    assert.equal(await focused(), 'Run');
    assert.equal(wrong.failing, FAILURES[stage], `stage ${stage}: ${wrong.measured}`);
    assert.equal(wrong.right, 'false');
    assert.match(wrong.verdict, /^✗ Your guess, 10, is [\d,.]+ times off/);
    assert.match(wrong.measured, new RegExp(`^It broke at ${wrong.users.toLocaleString('en')} daily users`));
    // The ramp held below where it broke, and the live system is the one that broke.
    const rows = await page.locator('[data-testid="lesson-ramp"] tbody tr').count();
    assert.ok(rows >= 2, `stage ${stage}: healthy steps before the failure`);
    await until(() => text(page, 'lesson-live'), (t) => t.includes(`${wrong.users.toLocaleString('en')} daily users`), 'the live system at the breaking load', 30_000);
    // Running live from the start, the system there names the same failure as its run.
    const live = page.getByTestId('lesson-live');
    await until(() => live.getAttribute('data-code'), (c) => c === FAILURES[stage], `stage ${stage} failing live`, 90_000);

    // Again, with a guess near where it broke: the same measurement, now right.
    await page.getByTestId('lesson-guess-again').click();
    await until(focused, (f) => f === 'Guess', 'the focus back on the guess');
    const right = await guessAndRun(page, wrong.users, problems);
    assert.equal(right.users, wrong.users);
    assert.equal(right.right, 'true');
    assert.match(right.verdict, /^✓ Your guess, [\d,]+, is close: within a factor of 2/);

    // Every change, where it broke.
    const expected = CHANGES[stage];
    assert.equal(await page.locator('[data-testid="lesson-changes"] li').count(), expected.length);
    const tried = [];
    for (let i = 0; i < expected.length; i++) {
      const got = await tryChange(page, i);
      const [name, does] = expected[i];
      assert.ok(got.label.includes(name), `stage ${stage}, change ${i}: ${got.label}`);
      assert.equal(got.cures, does !== 'fails', `stage ${stage}: ${got.label}: ${got.outcome}`);
      assert.match(got.outcome, got.cures ? /^✓ Cures it/ : /^✗ Still failing/);
      // The diagram shows the change tried.
      await until(() => text(page, 'lesson-live'), (t) => t.includes(got.label.replace(/^Try: /, '')), 'the live system with the change', 30_000);
      tried.push(got);
    }
    for (const [i, [, does]] of expected.entries()) {
      if (does === 'more') assert.ok(dollars(tried[i].outcome) > dollars(tried[0].outcome), `stage ${stage}: ${tried[i].outcome} against ${tried[0].outcome}`);
    }
    await lesson.getByTestId('lesson-finished').waitFor();
    assert.equal(await text(page, 'lesson-done'), `Lessons finished: ${stage} of 7`);
    assert.deepEqual(problems, []);
    await page.close();
  }
  await context.close();
});

test('a changed model parameter changes what the lesson measures, and what a change does', async () => {
  /** Stage `stage`'s lesson with `query`: where it broke, and each change's outcome. */
  async function lesson(stage, query, changes = 0) {
    const { page, context, problems } = await openPage(harness, `?stage=${stage}&lesson=1${query}`);
    await page.getByTestId('lesson').waitFor({ timeout: 30_000 });
    const ran = await guessAndRun(page, 10_000, problems);
    ran.changes = [];
    for (let i = 0; i < changes; i++) ran.changes.push(await tryChange(page, i));
    assert.deepEqual(problems, []);
    await context.close();
    return ran;
  }
  // A slower third-party API: stage 3 breaks sooner, waiting on it.
  const [usual, slow] = [await lesson(3, ''), await lesson(3, '&api=2000')];
  assert.equal(usual.failing, 'app_saturated');
  assert.equal(slow.failing, 'upstream_blocking');
  assert.ok(slow.users < usual.users, `${slow.measured} against ${usual.measured}`);
  // A faster one: stage 5 holds out longer, and where it breaks then, the queue of stage 6 no
  // longer cures it (its one primary is the next wall), while 64 app servers do.
  const [five, fast] = [await lesson(5, '', 3), await lesson(5, '&api=150', 3)];
  assert.ok(fast.users > five.users, `${fast.measured} against ${five.measured}`);
  assert.deepEqual(five.changes.map((c) => c.cures), [true, false, true]);
  assert.deepEqual(fast.changes.map((c) => c.cures), [false, false, true]);
  assert.match(fast.changes[0].outcome, /^✗ Still failing: The primary hits its ceiling/);
});

test('the page writing its address out in full keeps the lesson going; a changed model starts it again', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=3&lesson=1');
  await page.getByTestId('lesson').waitFor({ timeout: 30_000 });
  // The page spells out its knobs in the address soon after it opens. Here that comes just
  // after the guess was sent: the same system, so the ramp goes on.
  await until(() => page.url(), (u) => u.includes('machine='), 'the page to write its address');
  const rewrite = (query) => page.evaluate((q) => {
    history.replaceState(null, '', q);
    dispatchEvent(new Event('headroom-address'));
  }, query);
  await page.getByTestId('lesson-guess').fill(String(position(50_000)));
  await page.getByTestId('lesson-run').click();
  await rewrite('?lesson=1&seed=1&stage=3');
  const measured = page.getByTestId('lesson-measured');
  const users = await until(() => measured.getAttribute('data-users'), (u) => u !== null, 'the ramp to find where it breaks', 120_000);
  assert.equal(Number(users), 50_000);
  assert.equal(await page.getByTestId('lesson-run').isDisabled(), true, 'the guess was kept');
  // A slower API is another system: the lesson starts again, from the guess.
  await rewrite('?stage=3&api=2000&lesson=1');
  await until(() => page.getByTestId('lesson-run').isDisabled(), (d) => d === false, 'the lesson to start again');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the switch turns the lesson on and off, and the link follows', async () => {
  const { page, context, problems } = await openPage(harness, '?stage=2');
  await page.getByTestId('stage-view').waitFor();
  const lessonSwitch = page.getByTestId('lesson-switch');
  await lessonSwitch.check();
  await page.locator('[data-testid="lesson"][data-stage="2"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('stage-view').isVisible(), false);
  await until(() => page.url(), (u) => u.includes('lesson=1'), 'the link to carry lesson=1');
  await lessonSwitch.uncheck();
  await page.getByTestId('stage-view').waitFor();
  assert.equal(await page.getByTestId('lesson').isVisible(), false);
  await until(() => page.url(), (u) => !u.includes('lesson='), 'the link to drop lesson');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a trial worker that never starts is started again, and the lesson goes on', async () => {
  // The trial worker's first try at its code fails, as on a network that drops a request: it
  // never says "ready", and the page hears no error. (No service worker: it would answer from
  // its cache.)
  const context = await harness.browser.newContext({ serviceWorkers: 'block' });
  let dropped = 0;
  await context.route('**/trial_worker_bg.wasm*', (route) => (dropped++ === 0 ? route.abort() : route.continue()));
  const { page, problems } = await openPage(harness, '?stage=3&lesson=1', context);
  await page.getByTestId('lesson').waitFor({ timeout: 30_000 });
  const started = Date.now();
  const run = await guessAndRun(page, 50_000, problems);
  assert.equal(run.failing, FAILURES[3]);
  // The lesson waited out the worker's silence, then said it started the runs again.
  assert.ok(Date.now() - started >= 29_000, `answered after ${Date.now() - started} ms`);
  assert.match(await text(page, 'lesson-restarted'), /^The runs stopped answering and were started again \(1 of at most 3 restarts\)/);
  assert.equal(await page.getByTestId('lesson-failed').count(), 0);
  assert.equal(dropped, 2);
  // The one problem is the request dropped, and the worker's failure to fetch it.
  assert.deepEqual(problems.filter((p) => !/trial_worker_bg\.wasm|^uncaught: Failed to fetch$/.test(p)), []);
  await context.close();
});
