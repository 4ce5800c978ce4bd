// End-to-end: the diagram's layout is clean at every stage, with every knob at its least and
// at its most, on a desktop, a phone and a 320 × 400 embed. Measured from the drawn SVG:
// - no two parts overlap;
// - no label (a scene label, a failure mark, a queue, a machine's name) overlaps a part or
//   another label;
// - every text fits inside its box, and inside the drawing;
// - no edge passes under a part it does not connect;
// - the drawing uses most of its panel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPage, running } from './harness.mjs';

let harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.stop();
});

const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900, query: '' },
  { name: 'phone', width: 390, height: 844, query: '' },
  { name: 'embed', width: 320, height: 400, query: '&embed=1' },
];

// Every knob at its least, with few users; and every knob at its most, with the most users
// (the longest numbers, the biggest pools, queues and failures). The ranges are the sliders'
// (src/knobs.rs); the URL clamps anything outside them.
const CASES = [
  { name: 'every knob at its least', query: '&users=10&hit=0&replicas=0&apps=1&workers=100&shards=1&writes=0&api=50&index=0' },
  { name: 'every knob at its most', query: '&users=10000000&hit=99&replicas=8&apps=64&workers=10000&shards=16&writes=50&api=5000&index=1' },
];

/** What is wrong with the diagram's layout on `page`, one line each (none: it is clean). */
function layoutProblems(page) {
  return page.evaluate(() => {
    const svg = document.querySelector('[data-testid="diagram"]');
    const problems = [];
    const box = (el) => {
      const b = el.getBBox();
      return { left: b.x, top: b.y, right: b.x + b.width, bottom: b.y + b.height };
    };
    const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
    const show = (b) => `${b.left.toFixed(0)},${b.top.toFixed(0)}–${b.right.toFixed(0)},${b.bottom.toFixed(0)}`;

    const parts = [...svg.querySelectorAll('g.node')].map((g) => ({
      id: g.dataset.node,
      box: box(g.querySelector(':scope > rect')),
      texts: [...g.querySelectorAll(':scope > .node-label, :scope > .node-state, :scope > .node-pressure')],
    }));
    for (const [i, a] of parts.entries()) {
      for (const b of parts.slice(i + 1)) {
        if (overlap(a.box, b.box)) problems.push(`parts ${a.id} and ${b.id} overlap`);
      }
      for (const t of a.texts) {
        if (t.textContent === '') continue;
        const tb = box(t);
        if (!inside(tb, a.box)) problems.push(`"${t.textContent}" (${show(tb)}) spills out of ${a.id}'s box (${show(a.box)})`);
      }
    }

    // Labels: text beside a part, and the drawn queues.
    // A machine's name, memory and gauge sit inside its outline.
    for (const h of svg.querySelectorAll('[data-testid="host"]')) {
      const outline = box(h.querySelector('.host-outline'));
      for (const t of h.querySelectorAll('.host-label, .host-memory, .host-gauge')) {
        if (t.textContent === '' && t.tagName === 'text') continue;
        if (!inside(box(t), outline)) problems.push(`"${t.textContent}" spills out of its machine (${show(outline)})`);
      }
    }

    // The private network's name sits inside its outline.
    for (const n of svg.querySelectorAll('[data-testid="network"]')) {
      const outline = box(n.querySelector('.network-outline'));
      const label = n.querySelector('.network-label');
      if (!inside(box(label), outline)) problems.push(`"${label.textContent}" spills out of the private network (${show(outline)})`);
    }

    const labels = [...svg.querySelectorAll('.scene-label, .failed-mark, .host-label, .host-memory, .host-gauge, .network-label, [data-testid="queue"]')].filter((el) => el.tagName !== 'text' || el.textContent !== '').map((el) => ({
      what: el.dataset.testid === 'queue' ? `the queue of ${el.closest('g.node').dataset.node}` : `"${el.textContent}"`,
      box: box(el),
    }));
    for (const [i, l] of labels.entries()) {
      for (const p of parts) {
        if (overlap(l.box, p.box)) problems.push(`${l.what} (${show(l.box)}) overlaps part ${p.id}`);
      }
      for (const m of labels.slice(i + 1)) {
        if (overlap(l.box, m.box)) problems.push(`${l.what} and ${m.what} overlap`);
      }
    }

    // Every text inside the drawing.
    const [vx, vy, vw, vh] = svg.getAttribute('viewBox').split(' ').map(Number);
    const view = { left: vx, top: vy, right: vx + vw, bottom: vy + vh };
    for (const t of svg.querySelectorAll('text')) {
      if (t.textContent === '') continue;
      const tb = box(t);
      if (!inside(tb, view)) problems.push(`"${t.textContent}" (${show(tb)}) is cut off by the drawing's edge (${show(view)})`);
    }

    // Edges: sampled every 3 units, none inside a part it does not connect or pass through (the
    // shard router, between the app servers and the shards), and none across the private
    // network's name.
    const networkLabel = svg.querySelector('.network-label');
    const nameBox = networkLabel && box(networkLabel);
    for (const e of svg.querySelectorAll('path.edge')) {
      const ends = [e.dataset.from, e.dataset.to];
      const length = e.getTotalLength();
      if (nameBox) {
        for (let s = 0; s <= length; s += 3) {
          const { x, y } = e.getPointAtLength(s);
          if (x > nameBox.left && x < nameBox.right && y > nameBox.top && y < nameBox.bottom) {
            problems.push(`the edge ${ends.join(' → ')} crosses "${networkLabel.textContent}"`);
            break;
          }
        }
      }
      for (const p of parts.filter((p) => !ends.includes(p.id) && p.id !== e.dataset.via)) {
        for (let s = 0; s <= length; s += 3) {
          const { x, y } = e.getPointAtLength(s);
          if (x > p.box.left + 0.5 && x < p.box.right - 0.5 && y > p.box.top + 0.5 && y < p.box.bottom - 0.5) {
            problems.push(`the edge ${ends.join(' → ')} passes under ${p.id}`);
            break;
          }
        }
      }
    }

    // The drawing fills its panel: its parts, machines and edges cover most of it.
    const panel = svg.closest('figure').getBoundingClientRect();
    const groups = [...svg.querySelectorAll('g.nodes, g.hosts, g.edges')].map((g) => g.getBoundingClientRect()).filter((r) => r.width > 0);
    const drawn = {
      width: Math.max(...groups.map((r) => r.right)) - Math.min(...groups.map((r) => r.left)),
      height: Math.max(...groups.map((r) => r.bottom)) - Math.min(...groups.map((r) => r.top)),
    };
    const used = (drawn.width * drawn.height) / (panel.width * panel.height);
    if (!(used >= 0.6)) problems.push(`the drawing uses ${(used * 100).toFixed(0)}% of its panel`);
    return problems;
  });
}

for (const viewport of VIEWPORTS) {
  for (let stage = 1; stage <= 7; stage += 1) {
    test(`stage ${stage}, ${viewport.name} (${viewport.width} × ${viewport.height}): parts, labels, texts and edges clear of each other, filling the panel`, async () => {
      const context = await harness.browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
      const { page, problems } = await openPage(harness, `?stage=${stage}&speed=10${viewport.query}${CASES[0].query}`, context);
      for (const [k, c] of CASES.entries()) {
        if (k > 0) await page.goto(`${harness.url}?stage=${stage}&speed=10${viewport.query}${c.query}`);
        // A knob the stage lacks gets a notice above the diagram; the diagram runs while seen.
        await page.getByTestId('diagram').scrollIntoViewIfNeeded();
        await running(page, stage, 3);
        const found = await layoutProblems(page);
        assert.deepEqual(found, [], `stage ${stage}, ${c.name}, ${viewport.name}`);
      }
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}
