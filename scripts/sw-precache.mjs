#!/usr/bin/env node
// Trunk post_build hook: writes the service worker (public/sw.js) into the staged build with
// the build's own file list and version, and stamps that version into index.html.
//
// Trunk names the JS, wasm, CSS and icon after their contents, so the list of files the app
// needs to start only exists once a build has run. The version is a hash of every staged file
// (index.html with its stamp left out), so any change to what is shipped makes a new version,
// and the same build always gets the same one.
//
// Usage (trunk sets the variables): TRUNK_STAGING_DIR=dist/.stage node scripts/sw-precache.mjs
// With a directory argument it rewrites that folder instead (an already-built dist/).
// With HEADROOM_SW=off it writes public/sw-off.js instead: a worker that removes itself and its
// caches from the browsers that had the real one.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OFF = process.env.HEADROOM_SW === 'off';
const TEMPLATE = join(ROOT, 'public', OFF ? 'sw-off.js' : 'sw.js');
const WORKER = 'sw.js';
// <meta name="headroom-build" content="..."> in index.html: the version the page was built as.
const STAMP = /(<meta name="headroom-build" content=")[^"]*(")/;

/** Every file under `dir` (relative, with forward slashes), dotfiles and the worker left out. */
async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .filter((f) => f !== WORKER && !f.split('/').some((part) => part.startsWith('.')))
    .sort();
}

async function main() {
  const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
  if (!dir) throw new Error('no build folder: pass one, or run as a trunk hook (TRUNK_STAGING_DIR)');
  const files = await listFiles(dir);
  if (!files.includes('index.html')) throw new Error(`no index.html in ${dir}`);

  let html = await readFile(join(dir, 'index.html'), 'utf8');
  if (!STAMP.test(html)) throw new Error('index.html has no <meta name="headroom-build" content="…">');
  const template = await readFile(TEMPLATE, 'utf8');

  const hash = createHash('sha256');
  hash.update(template);
  for (const file of files) {
    const body = file === 'index.html' ? html.replace(STAMP, '$1$2') : await readFile(join(dir, file));
    hash.update(`\0${file}\0`).update(body);
  }
  const version = hash.digest('hex').slice(0, 16);

  // index.html first: it is the page itself and the offline fallback for navigations.
  const assets = ['index.html', ...files.filter((f) => f !== 'index.html')].map((f) => `./${f}`);
  const worker = template
    .replace(/^const VERSION = .*;$/m, `const VERSION = ${JSON.stringify(version)};`)
    .replace(/^const ASSETS = .*;$/m, `const ASSETS = ${JSON.stringify(assets)};`);
  if (!OFF && (!worker.includes(version) || !worker.includes(JSON.stringify(assets)))) {
    throw new Error(`${TEMPLATE} lacks the "const VERSION = …;" or "const ASSETS = …;" line`);
  }
  html = html.replace(STAMP, `$1${version}$2`);
  await writeFile(join(dir, WORKER), worker);
  await writeFile(join(dir, 'index.html'), html);
  const what = OFF ? 'off (sw.js removes itself)' : `${assets.length} files precached`;
  console.log(`service worker: version ${version}, ${what}`);
}

main().catch((err) => {
  console.error(`sw-precache: ${err.message}`);
  process.exit(1);
});
