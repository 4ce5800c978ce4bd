// Screenshots of the release build for docs/screens/ (run by scripts/screens): each stage calm
// (a tenth of its failure link's users) and failing (its failure link), at 1440 × 900, on a
// 390 × 844 phone and in a 320 × 400 embed; and the README's picture. Each calm screen waits
// until "What breaks" says healthy, each failing one until it names a failure, then lets the
// requests move for two simulated seconds more. Then the parts that load later: stage 3's lesson
// answered with a change tried (desktop and phone), and stage 3 on two machines side by side.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, openPage, failureLinks, ROOT } from '../tests/e2e/harness.mjs';

const OUT = join(ROOT, 'docs', 'screens');
const VIEWS = [
  { name: 'desktop', width: 1440, height: 900, query: '' },
  { name: 'phone', width: 390, height: 844, query: '' },
  { name: 'embed', width: 320, height: 400, query: '&embed=1' },
];
const SETTLE_MS = 2000;

mkdirSync(OUT, { recursive: true });
for (const f of readdirSync(OUT)) rmSync(join(OUT, f));

const harness = await startHarness();
let failed = 0;
try {
  for (const [stage, link] of failureLinks()) {
    const users = Number(new URLSearchParams(link.slice(1)).get('users'));
    const states = [
      ['calm', `?stage=${stage}&users=${Math.round(users / 10)}`, 'what-breaks-healthy'],
      ['failing', link, 'what-breaks-title'],
    ];
    for (const [state, query, sign] of states) {
      for (const view of VIEWS) {
        const context = await harness.browser.newContext({ viewport: { width: view.width, height: view.height } });
        const { page, problems } = await openPage(harness, `${query}&speed=10${view.query}`, context);
        const file = `stage${stage}-${state}-${view.name}.png`;
        try {
          await page.getByTestId(sign).waitFor({ timeout: 90_000 });
          await page.waitForTimeout(SETTLE_MS);
          await page.screenshot({ path: join(OUT, file) });
          if (stage === 3 && state === 'failing' && view.name === 'desktop') {
            await page.screenshot({ path: join(ROOT, 'docs', 'screenshot.png') });
          }
          console.log(`wrote docs/screens/${file}`);
        } catch (e) {
          failed += 1;
          console.error(`${file}: ${e.message.split('\n')[0]}`);
        }
        if (problems.length) {
          failed += 1;
          console.error(`${file}: ${problems.join('; ')}`);
        }
        await context.close();
      }
    }
  }
  const later = [
    ['lesson-stage3-desktop', '?stage=3&lesson=1', VIEWS[0], lessonAnswered],
    ['lesson-stage3-phone', '?stage=3&lesson=1', VIEWS[1], lessonAnswered],
    ['compare-stage3-machines-desktop', '?stage=3&users=50000&speed=10&compare=machine.4', VIEWS[0], compared],
  ];
  for (const [name, query, view, ready] of later) {
    const context = await harness.browser.newContext({ viewport: { width: view.width, height: view.height } });
    const { page, problems } = await openPage(harness, query, context);
    const file = `${name}.png`;
    try {
      await ready(page);
      await page.waitForTimeout(SETTLE_MS);
      await page.screenshot({ path: join(OUT, file), fullPage: true });
      console.log(`wrote docs/screens/${file}`);
    } catch (e) {
      failed += 1;
      console.error(`${file}: ${e.message.split('\n')[0]}`);
    }
    if (problems.length) {
      failed += 1;
      console.error(`${file}: ${problems.join('; ')}`);
    }
    await context.close();
  }
} finally {
  await harness.stop();
}

/** A lesson with its guess run, the answer given and the c5.24xlarge tried. */
async function lessonAnswered(page) {
  await page.getByTestId('lesson').waitFor({ timeout: 30_000 });
  await page.getByTestId('lesson-guess').fill('60');
  await page.getByTestId('lesson-run').click();
  await page.locator('[data-testid="lesson-measured"][data-users]').waitFor({ timeout: 120_000 });
  await page.getByTestId('lesson-change-2').getByRole('button').click();
  await page.locator('[data-testid="lesson-change-2"][data-cures]').waitFor({ timeout: 120_000 });
}

/** Both sides running, the first failing. */
async function compared(page) {
  await page.locator('[data-testid="compare-a-state"][data-code]').waitFor({ timeout: 60_000 });
}
if (failed) {
  console.error(`${failed} screens went wrong`);
  process.exit(1);
}
