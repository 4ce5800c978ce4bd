#!/usr/bin/env node
// Trunk's post_build hook (Trunk.toml): finishes the staged build in order. It minifies the
// JS and CSS (scripts/minify.mjs), then writes the service worker and stamps the build's
// version (scripts/sw-precache.mjs), which hashes the files as they will be shipped.
// Trunk sets TRUNK_STAGING_DIR; a folder given as an argument is used instead.
import { minify } from './minify.mjs';
import { writeServiceWorker } from './sw-precache.mjs';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
try {
  if (!dir) throw new Error('no build folder: pass one, or run as a trunk hook (TRUNK_STAGING_DIR)');
  const saved = await minify(dir);
  console.log(`minified the JS and CSS: ${saved.toLocaleString('en')} bytes saved`);
  await writeServiceWorker(dir);
} catch (err) {
  console.error(`post-build: ${err.message}`);
  process.exit(1);
}
