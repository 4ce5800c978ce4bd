#!/usr/bin/env node
// Writes the service worker (public/sw.js) into a staged build with the build's own file list
// and version, and stamps that version into index.html and the workers' loaders. Trunk's
// post_build hook runs it through scripts/post-build.mjs, after the build is minified.
//
// Trunk names the JS, wasm, CSS and icon after their contents, so the list of files the app
// needs to start only exists once a build has run. The version is a hash of every staged file
// (with its stamps left out), so any change to what is shipped makes a new version, and the
// same build always gets the same one.
//
// The workers' files (the engine's and the charts') have fixed names (the page must know them),
// so each loader asks for them with `?v=<version>`, and the page asks for the loader the same
// way: a new deploy never runs an old worker out of the browser's cache.
//
// Usage: node scripts/sw-precache.mjs DIR rewrites an already-built folder (the offline tests
// do). With HEADROOM_SW=off it writes public/sw-off.js instead: a worker that removes itself
// and its caches from the browsers that had the real one.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OFF = process.env.HEADROOM_SW === 'off';
const TEMPLATE = join(ROOT, 'public', OFF ? 'sw-off.js' : 'sw.js');
const WORKER = 'sw.js';
// <meta name="headroom-build" content="..."> in index.html: the version the page was built as.
const STAMP = /(<meta name="headroom-build" content=")[^"]*(")/;
// The workers' loaders (trunk's data-loader-shim) and the version on the files they load.
const LOADERS = ['engine_worker_loader.js', 'chart_worker_loader.js'];
const LOADER_STAMP = /(\.(?:js|wasm))(?:\?v=[0-9a-f]*)?(")/g;

/** Every file under `dir` (relative, with forward slashes), dotfiles and the worker left out. */
async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .filter((f) => f !== WORKER && !f.split('/').some((part) => part.startsWith('.')))
    .sort();
}

/** Writes `dir`/sw.js and the version stamps; returns the version. */
export async function writeServiceWorker(dir) {
  const files = await listFiles(dir);
  if (!files.includes('index.html')) throw new Error(`no index.html in ${dir}`);

  let html = await readFile(join(dir, 'index.html'), 'utf8');
  if (!STAMP.test(html)) throw new Error('index.html has no <meta name="headroom-build" content="…">');
  const template = await readFile(TEMPLATE, 'utf8');
  // wasm-bindgen wants its init's argument as an object now (a bare path logs a warning).
  const loaders = new Map();
  for (const name of LOADERS.filter((l) => files.includes(l))) {
    const text = await readFile(join(dir, name), 'utf8');
    loaders.set(name, text.replace(/wasm_bindgen\(("[^"]*")\)/, 'wasm_bindgen({ module_or_path: $1 })'));
  }

  const hash = createHash('sha256');
  hash.update(template);
  for (const file of files) {
    let body;
    if (file === 'index.html') body = html.replace(STAMP, '$1$2');
    else if (loaders.has(file)) body = loaders.get(file).replace(LOADER_STAMP, '$1$2');
    else body = await readFile(join(dir, file));
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
  for (const [name, text] of loaders) {
    await writeFile(join(dir, name), text.replace(LOADER_STAMP, `$1?v=${version}$2`));
  }
  const what = OFF ? 'off (sw.js removes itself)' : `${assets.length} files precached`;
  console.log(`service worker: version ${version}, ${what}`);
  return version;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
  writeServiceWorker(dir ?? '').catch((err) => {
    console.error(`sw-precache: ${err.message}`);
    process.exit(1);
  });
}
