// Headroom's service worker, turned off (built with HEADROOM_SW=off, see README.md, "Hosting").
// It takes the place of a worker a visitor already has, deletes that worker's caches and
// unregisters: from then on the host alone serves the app, and nothing is kept offline.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => {
  const prefix = `headroom ${self.registration.scope} `;
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => caches.delete(n)));
      await self.registration.unregister();
    })(),
  );
});
