// Screenshots of the release build for docs/screens/ (run by scripts/screens): each stage calm
// (a tenth of its failure link's users) and failing (its failure link), at 1440 × 900, on a
// 390 × 844 phone and in a 320 × 400 embed; and the README's picture. Each calm screen waits
// until "What breaks" says healthy, each failing one until it names a failure, then lets the
// requests move for two simulated seconds more.
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
} finally {
  await harness.stop();
}
if (failed) {
  console.error(`${failed} screens went wrong`);
  process.exit(1);
}
