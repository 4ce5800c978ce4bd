// Headroom's service worker: after a first visit the app opens offline, and a new deploy is
// picked up on the next visit. See README.md, "Hosting".
//
// This file is a template. The release build (scripts/sw-precache.mjs, a trunk post_build hook)
// writes it to dist/sw.js with VERSION and ASSETS filled in from the build itself.
const VERSION = 'unbuilt';
const ASSETS = [];

// Several copies of Headroom can live on one origin (one per course folder): each keeps its
// caches under its own scope and never touches another's.
const PREFIX = `headroom ${self.registration.scope} `;
const CACHE = PREFIX + VERSION;
const INDEX = new URL('./index.html', self.registration.scope).href;
// The page's own addresses: ./ and ./index.html, with or without a query string.
const PAGES = new Set([self.registration.scope, INDEX]);

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

// Fetches and keeps every file the app needs to start. Install fails (and is tried again on a
// later visit) unless all of them arrive and index.html is the one this list was built with.
async function precache() {
  if (!ASSETS.includes('./index.html')) throw new Error('sw.js was not filled in by the build');
  const responses = await Promise.all(
    ASSETS.map(async (path) => {
      // Hashed names never change content; index.html is checked with the server.
      const init = path === './index.html' ? { cache: 'no-cache' } : {};
      const response = await fetch(new Request(path, init));
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      return response;
    }),
  );
  const html = await responses[ASSETS.indexOf('./index.html')].clone().text();
  if (!html.includes(`name="headroom-build" content="${VERSION}"`)) {
    throw new Error('index.html is from another deploy than this worker');
  }
  const cache = await caches.open(CACHE);
  await Promise.all(ASSETS.map((path, i) => cache.put(path, responses[i])));
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(self.registration.scope)) return;
  const url = new URL(request.url);
  url.search = '';
  url.hash = '';
  if (request.mode === 'navigate') {
    // Network first, so a new deploy shows as soon as the server answers; offline, the
    // index.html this worker cached, which names exactly the files in its cache.
    if (PAGES.has(url.href)) event.respondWith(fetch(request).catch(() => cached(INDEX, request)));
    return;
  }
  // Everything else the page asks for has a content hash in its name, or (the chart worker's
  // files) the build's version in its query: cache first, kept without the query.
  event.respondWith(cached(url.href, request));
});

// The cached response for `key`, else the network's for `request` (also when the browser's
// storage fails: the worker must never stand between the app and its host).
async function cached(key, request) {
  const hit = await caches
    .open(CACHE)
    .then((cache) => cache.match(key))
    .catch(() => undefined);
  return hit ?? fetch(request);
}
