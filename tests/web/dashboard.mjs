// dashboard.mjs - drives headless Chromium (Debian's, through playwright-core
// from web/package-lock.json) at a live dashboard and, optionally, at an HTML
// report; prints one JSON line per check: {"label", "ok", "detail"}.
// Run by tests/cli/test_dashboard_browser.py:
//
//   node tests/web/dashboard.mjs --shots DIR [--url http://127.0.0.1:PORT/] [--report FILE.html]
//                                [--queue-url http://127.0.0.1:PORT/] [--queue-report FILE.html]
//
// --url: a null: run's dashboard (charts, Pause, Resume, Stop); --report: an
// HTML report; --queue-url and --queue-report: the same from an exec: run with
// --ack (the consumer's gauges charted, the observed table; Stop ends it).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
let failed = 0;
function check(label, ok, detail = '') {
  if (!ok) failed++;
  console.log(JSON.stringify({ label, ok: !!ok, detail: String(detail).slice(0, 400) }));
  return !!ok;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { /* not yet */ }
    if (Date.now() > end) return null;
    await sleep(100);
  }
}
const status = async (base = args.url) => (await fetch(new URL('/api/status', base), { cache: 'no-store' })).json();

// Pixels of a series' colour on a chart's canvas: proof that uPlot drew the
// line, not only that the data arrived.
async function inked(page, selector, [r, g, b]) {
  return page.evaluate(({ selector, r, g, b }) => {
    const c = document.querySelectorAll(selector + ' canvas')[0];
    if (!c) return -1;
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4)
      if (px[i + 3] > 200 && Math.abs(px[i] - r) < 40 && Math.abs(px[i + 1] - g) < 40 && Math.abs(px[i + 2] - b) < 40) n++;
    return n;
  }, { selector, r, g, b });
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  if (args.url) await dashboard();
  if (args.report) await report();
  if (args['queue-url']) await queueDashboard();
  if (args['queue-report']) await queueReport();
} catch (e) {
  check('browser session ran to the end', false, e.stack || e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

async function dashboard() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = [];
  const outside = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (q) => { if (!q.url().startsWith(new URL(args.url).origin)) outside.push(q.url()); });

  await page.goto(args.url);
  const drawn = await until(() => page.evaluate(() => window.surgeDashboard && window.surgeDashboard.samples() >= 2
    && window.surgeDashboard.charts.rate.data[0].length >= 2), 15000);
  check('dashboard: the charts received at least 2 samples', drawn);
  const lens = await page.evaluate(() => Object.fromEntries(Object.entries(window.surgeDashboard.charts)
    .map(([k, u]) => [k, u.data[0].length])));
  check('dashboard: every chart holds the samples', Object.values(lens).every((n) => n >= 2), JSON.stringify(lens));
  const blue = await inked(page, '.chart:nth-child(1)', [31, 119, 180]);
  check('dashboard: the rate chart drew its line (pixels of the actual-rate colour)', blue > 50, `${blue} pixels`);
  const red = await inked(page, '.chart:nth-child(2)', [214, 39, 40]);
  check('dashboard: the latency chart drew its p99 line', red > 20, `${red} pixels`);
  check('dashboard: state shows running', await until(async () => (await page.textContent('.state')) === 'running', 5000),
    await page.textContent('.state'));
  check('dashboard: the status line counts operations', /\d+ ok/.test(await page.textContent('.status')));
  check('dashboard: the operation table lists noop', (await page.textContent('main')).includes('noop'));

  await page.click('#pause');
  const paused = await until(async () => (await status()).paused === true, 5000);
  check('dashboard: a click on Pause pauses the run (/api/status paused: true)', paused);
  check('dashboard: the page shows paused', await until(async () => (await page.textContent('.state')) === 'paused', 5000),
    await page.textContent('.state'));
  check('dashboard: Resume enabled, Pause disabled while paused',
    await until(async () => (await page.isEnabled('#resume')) && !(await page.isEnabled('#pause')), 3000));
  await until(() => page.evaluate(() => document.querySelector('.events').textContent.includes('paused')), 3000);
  check('dashboard: the paused event is listed', (await page.textContent('.events')).includes('paused'));
  const shot = path.join(args.shots, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  check('dashboard: screenshot saved', true, shot);

  await page.click('#resume');
  check('dashboard: a click on Resume resumes it', await until(async () => (await status()).paused === false, 5000));
  const before = errors.length;   /* after Stop, `surge run` exits and takes the dashboard with it */
  await page.click('#stop');
  const done = await until(async () => {
    try { return ['stopping', 'done'].includes((await status()).state); } catch (e) { return true; }
  }, 8000);
  check('dashboard: a click on Stop ends the run', done);
  const late = errors.slice(before).filter((e) => !e.includes('ERR_CONNECTION_REFUSED'));
  check('dashboard: no script errors', before === 0 && late.length === 0, errors.slice(0, before).concat(late).join(' | '));
  check('dashboard: nothing requested from elsewhere', outside.length === 0, outside.join(' '));
}

async function report() {
  const rp = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const rerrors = [];
  const requests = [];
  rp.on('pageerror', (e) => rerrors.push(e.message));
  rp.on('console', (m) => { if (m.type() === 'error') rerrors.push(m.text()); });
  rp.on('request', (q) => requests.push(q.url()));
  await rp.goto('file://' + path.resolve(args.report));
  const charts = await until(() => rp.evaluate(() => window.surgeReport &&
    Object.fromEntries(Object.entries(window.surgeReport.charts).map(([k, u]) => [k, u.data[0].length]))), 10000);
  check('report: the charts hold the history', charts && Object.values(charts).every((n) => n >= 2), JSON.stringify(charts));
  const ink = await inked(rp, '.chart:nth-child(1)', [31, 119, 180]);
  check('report: the rate chart drew its line', ink > 50, `${ink} pixels`);
  const text = await rp.textContent('main');
  check('report: tables of operations, latency, settings', ['Operations', 'Latency', 'Settings', 'noop'].every((s) => text.includes(s)));
  check('report: a chart for a sample field beyond the known ones (queue_depth)', charts && charts.queue_depth >= 2,
    JSON.stringify(charts));
  check('report: threshold verdicts', ['1 of 2 thresholds failed', 'errors<0.1%', 'FAILED', 'held'].every((s) => text.includes(s)));
  check('report: no script errors', rerrors.length === 0, rerrors.join(' | '));
  check('report: it loads nothing but itself', requests.length === 1, requests.join(' '));
  await rp.screenshot({ path: path.join(args.shots, 'report.png'), fullPage: true });
}

// The rows of the table at selector: [[cell text...]...].
async function rows(page, selector) {
  return page.evaluate((sel) => [...document.querySelectorAll(sel + ' tbody tr')]
    .map((tr) => [...tr.children].map((td) => td.textContent)), selector);
}

async function queueDashboard() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(args['queue-url']);
  // The page's table against the API's numbers, read at about the same time.
  const acked = await until(async () => {
    const r = await rows(page, '#target table.observed');
    return r.length === 1 && r[0][0] === 'ack' && Number(r[0][1].replace(/,/g, '')) > 0 ? r : null;
  }, 15000);
  check('queue dashboard: the observed table shows ack with a count', acked, JSON.stringify(acked));
  const api = await status(args['queue-url']);
  check('queue dashboard: /api/status has observed.ack', api.observed && api.observed.ack && api.observed.ack.count > 0,
    JSON.stringify(api.observed));
  check('queue dashboard: the table is headed "Observed by the target"',
    (await page.textContent('#target')).includes('Observed by the target'));
  const charts = await until(() => page.evaluate(() => {
    const c = window.surgeDashboard.charts;
    return c.child_cpu_pct && c.child_rss_mb && c.child_cpu_pct.data[0].length >= 2
      ? Object.fromEntries(Object.entries(c).map(([k, u]) => [k, u.data[0].length])) : null;
  }), 15000);
  check('queue dashboard: the consumer\'s CPU and memory charted as they come', charts, JSON.stringify(charts));
  await page.screenshot({ path: path.join(args.shots, 'dashboard-queue.png'), fullPage: true });
  await page.click('#stop');
  const done = await until(async () => {
    try { return ['stopping', 'done'].includes((await status(args['queue-url'])).state); } catch (e) { return true; }
  }, 8000);
  check('queue dashboard: Stop ends the run', done);
  const real = errors.filter((e) => !e.includes('ERR_CONNECTION_REFUSED'));
  check('queue dashboard: no script errors', real.length === 0, real.join(' | '));
}

async function queueReport() {
  const rp = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const rerrors = [];
  rp.on('pageerror', (e) => rerrors.push(e.message));
  rp.on('console', (m) => { if (m.type() === 'error') rerrors.push(m.text()); });
  await rp.goto('file://' + path.resolve(args['queue-report']));
  const charts = await until(() => rp.evaluate(() => window.surgeReport &&
    Object.fromEntries(Object.entries(window.surgeReport.charts).map(([k, u]) => [k, u.data[0].length]))), 10000);
  check('queue report: charts of the consumer\'s CPU and memory', charts && charts.child_cpu_pct >= 2 && charts.child_rss_mb >= 2,
    JSON.stringify(charts));
  const obs = await rows(rp, 'table.observed');
  check('queue report: the observed table has one row, ack, every message acknowledged',
    obs.length === 1 && obs[0][0] === 'ack' && Number(obs[0][1].replace(/,/g, '')) > 0 && obs[0][2] === '0', JSON.stringify(obs));
  const text = await rp.textContent('main');
  check('queue report: headed "Observed by the target", with "Target end"',
    text.includes('Observed by the target') && text.includes('Target end'));
  const end = await rows(rp, 'table.target-end');
  const endMap = Object.fromEntries(end);
  check('queue report: the target end says the consumer exited 0 on end of input',
    endMap.stopped_by === 'eof' && endMap.exit_status === '0', JSON.stringify(end));
  check('queue report: no script errors', rerrors.length === 0, rerrors.join(' | '));
  await rp.screenshot({ path: path.join(args.shots, 'report-queue.png'), fullPage: true });
}
