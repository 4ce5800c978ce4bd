// Takes the README's screenshot of the release build: node scripts/screenshot.mjs [QUERY] [OUT]
import { startHarness, openPage, ROOT } from '../tests/e2e/harness.mjs';
import { join } from 'node:path';

const query = process.argv[2] ?? '';
const out = process.argv[3] ?? join(ROOT, 'docs', 'screenshot.png');
const harness = await startHarness();
try {
  const { page, problems } = await openPage(harness, query);
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.getByTestId('offered-load').waitFor();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: out });
  if (problems.length) console.error(problems.join('\n'));
  console.log(`wrote ${out}`);
} finally {
  await harness.stop();
}
