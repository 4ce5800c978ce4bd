// Minifies a staged build's JS (wasm-bindgen's glue for the app and the chart worker) and CSS
// with esbuild, in place, and updates the integrity hashes index.html gives them; it drops
// index.html's comments. Trunk's own
// minifier leaves wasm-bindgen's glue as it is, and the glue is most of the first load's JS.
// Run by scripts/post-build.mjs; the service worker's file (sw.js) is written after this.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { transform } from 'esbuild';

/** The subresource-integrity value of `bytes`, as trunk writes it (sha384). */
const integrity = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

/** Minifies every .js and .css file directly in `dir`; returns the bytes saved. */
export async function minify(dir) {
  const files = (await readdir(dir)).filter((f) => /\.(js|css)$/.test(f) && f !== 'sw.js');
  let html = await readFile(join(dir, 'index.html'), 'utf8');
  let saved = 0;
  for (const file of files) {
    const path = join(dir, file);
    const before = await readFile(path);
    // Module or classic script, esbuild keeps top-level names: the worker's glue defines the
    // global `wasm_bindgen` its loader calls.
    const { code } = await transform(before.toString('utf8'), {
      loader: file.endsWith('.css') ? 'css' : 'js',
      minify: true,
      legalComments: 'none',
    });
    const after = Buffer.from(code);
    if (after.length >= before.length) continue;
    await writeFile(path, after);
    html = html.replaceAll(integrity(before), integrity(after));
    saved += before.length - after.length;
  }
  // index.html's comments are for its readers here, not for the browser: every page load
  // carries them. (Its inline scripts hold no "<!--".)
  const bare = html.replace(/<!--[\s\S]*?-->/g, '').replace(/\n\s*\n/g, '\n');
  saved += html.length - bare.length;
  await writeFile(join(dir, 'index.html'), bare);
  return saved;
}
