#!/usr/bin/env node
// Trunk's post_build hook (Trunk.toml): finishes the staged build in order. It minifies the
// JS and CSS (scripts/minify.mjs), then writes the service worker and stamps the build's
// version (scripts/sw-precache.mjs), which hashes the files as they will be shipped.
// Trunk sets TRUNK_STAGING_DIR; a folder given as an argument is used instead.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { minify } from './minify.mjs';
import { writeServiceWorker } from './sw-precache.mjs';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
// The modules the page loads later on its own thread (src/lazy_module.rs). Each one's glue
// declares the global `wasm_bindgen` that its start statement calls at once; declared with
// `let`, a second module's glue could not declare it again, so each declares it with `var`.
const LAZY_MODULES = ['customize.js', 'compare.js', 'lessons.js', 'diagram_export.js'];

async function shareGlue(dir) {
  for (const file of LAZY_MODULES) {
    const path = join(dir, file);
    const text = await readFile(path, 'utf8');
    if (!text.startsWith('let wasm_bindgen=')) throw new Error(`${file} does not start by declaring wasm_bindgen`);
    await writeFile(path, `var${text.slice('let'.length)}`);
  }
}

try {
  if (!dir) throw new Error('no build folder: pass one, or run as a trunk hook (TRUNK_STAGING_DIR)');
  const saved = await minify(dir);
  console.log(`minified the JS and CSS: ${saved.toLocaleString('en')} bytes saved`);
  await shareGlue(dir);
  await writeServiceWorker(dir);
} catch (err) {
  console.error(`post-build: ${err.message}`);
  process.exit(1);
}
