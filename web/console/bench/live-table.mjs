// The workloads table under load, in Chromium: started by
// BenchmarkConsoleLiveTable (internal/server), which seeds the rows and
// drives the changes. Protocol on stdio: this script prints READY once the
// table shows every row, reads "DONE <n>" when the driver has sent n
// changes, and prints one line "RESULT {json}".
//
// Measured in the page: long tasks (PerformanceObserver 'longtask') and,
// for every change to a rendered row, the time from the websocket message
// carrying it to the first frame after the row shows it (a rAF, then a
// message posted from it, runs after that frame is painted).
import readline from 'node:readline';
import { chromium } from 'playwright-core';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through make console-bench`);
  return v;
};
const rows = Number(env('BCS_ROWS'));

const browser = await chromium.launch({
  executablePath: env('BCS_CHROMIUM'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ baseURL: env('BCS_URL'), viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  await page.addInitScript(() => {
    const b = { longtasks: [], pending: new Map(), latencies: [], arrived: 0, superseded: 0 };
    window.__bench = b;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) b.longtasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
    // Our listener is added in the constructor, before the app sets
    // onmessage, so the arrival is stamped before the app handles it.
    const WS = window.WebSocket;
    window.WebSocket = class extends WS {
      constructor(...a) {
        super(...a);
        this.addEventListener('message', (ev) => {
          const t = performance.now();
          if (typeof ev.data !== 'string' || !ev.data.includes('"changes"')) return;
          const c = JSON.parse(ev.data).payload?.data?.changes;
          if (!c?.object || c.object.ready === undefined) return;
          b.arrived++;
          const list = b.pending.get(c.name) ?? [];
          list.push({ t, ready: c.object.ready });
          b.pending.set(c.name, list);
        });
      }
    };
    const seen = new Set();
    let frame = 0;
    const measure = () => {
      frame = 0;
      const names = [...seen];
      seen.clear();
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        const now = performance.now();
        for (const name of names) {
          const cell = document.querySelector(`[data-workload="${CSS.escape(name)}"] [data-testid="ready"]`);
          const shown = Number(cell?.textContent?.split('/')[0]);
          const list = b.pending.get(name) ?? [];
          const keep = [];
          for (const p of list) {
            if (p.ready === shown) b.latencies.push(now - p.t);
            else if (p.ready < shown) b.superseded++, b.latencies.push(now - p.t);
            else keep.push(p);
          }
          b.pending.set(name, keep);
        }
      };
      port2.postMessage(0);
    };
    new MutationObserver((ms) => {
      for (const m of ms) {
        const row = (m.target.nodeType === 1 ? m.target : m.target.parentElement)?.closest?.('[data-workload]');
        if (row) seen.add(row.getAttribute('data-workload'));
      }
      if (seen.size && !frame) frame = requestAnimationFrame(measure);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });

  await page.goto('/');
  await page.getByLabel('API token').fill(env('BCS_TOKEN'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  const t0 = Date.now();
  await page.goto(`/projects/${env('BCS_PROJECT')}/workloads`);
  await page.getByText(`${rows} of ${rows} workloads`).waitFor();
  const loadMs = Date.now() - t0;
  const rendered = await page.$$eval('[data-workload]', (es) => es.map((e) => e.getAttribute('data-workload')));
  await page.evaluate(() => { window.__bench.longtasks.length = 0; });
  process.stdout.write(`READY ${JSON.stringify(rendered)}\n`);

  const rl = readline.createInterface({ input: process.stdin });
  let sent = 0;
  for await (const line of rl) {
    if (line.startsWith('DONE ')) {
      sent = Number(line.slice(5));
      break;
    }
  }
  // Every change has arrived (or 10 s passed), then two more frames.
  await page.waitForFunction((n) => window.__bench.arrived >= n, sent, { timeout: 10_000 }).catch(() => {});
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const res = await page.evaluate((rendered) => {
    const b = window.__bench;
    const lat = [...b.latencies].sort((x, y) => x - y);
    const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : 0);
    let unshown = 0;
    for (const name of rendered) unshown += (b.pending.get(name) ?? []).length;
    return {
      arrived: b.arrived, measured: lat.length, superseded: b.superseded, unshown,
      p50: q(0.5), p99: q(0.99), max: lat.at(-1) ?? 0,
      longtasks: b.longtasks.length, longtaskMax: Math.max(0, ...b.longtasks), longtasksOver100: b.longtasks.filter((d) => d > 100).length,
    };
  }, rendered);
  process.stdout.write(`RESULT ${JSON.stringify({ ...res, loadMs, sent })}\n`);
} finally {
  await browser.close();
}
