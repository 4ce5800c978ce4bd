// A minimal static file server on 127.0.0.1 that serves a folder under a sub-path,
// the way a course site or a CDN would host Headroom's dist/.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Serves `root` at `http://127.0.0.1:<port><prefix>`; anything outside the prefix is a 404.
 * Every file is served as it is on disk, with `cache-control: no-cache` (the browser checks back
 * each time; nothing is renamed or given a query string), `sw.js` included.
 * Resolves to `{ url, close, deploy, requests }` once listening on a free port: `deploy(dir)`
 * serves another folder at the same address from the next request on (a new deploy), and
 * `requests` lists the path of every request the server received.
 */
export async function serveStatic(root, prefix) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(path);
    if (!path.startsWith(prefix)) {
      res.writeHead(404).end('not found');
      return;
    }
    let file = normalize(join(root, path.slice(prefix.length)));
    if (!file.startsWith(normalize(root + sep)) && file !== normalize(root)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    deploy(dir) {
      root = dir;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
