/* stress.js - draws the progressive stress report from the document embedded
 * in the page (docs/stress.md): the capacity, the verdict table with why
 * each level failed, the early warnings, the baseline and recovery of the
 * watched system, then one section per level with its charts (rate against
 * its target, latency, the target's gauges), drawn from the level's own
 * result with the same charts as a run's report (common.js). Any field may
 * be missing: a part without its data is left out. */
'use strict';

(() => {
  const { h, isNum, fmtMs, fmtRate, fmtCount, fmtPct, fmtDur, table } = Surge;
  const app = document.getElementById('app');
  let d;
  try {
    d = JSON.parse(document.getElementById('surge-stress').textContent);
  } catch (e) {
    app.append(h('div', { class: 'banner bad' }, 'The embedded stress result could not be read: ' + e.message));
    return;
  }
  const str = (v) => (v == null || v === '' ? '-' : String(v));
  const rate = d.kind !== 'connections';
  const unit = rate ? 'ops/s' : 'connections';
  const levels = Array.isArray(d.levels) ? d.levels.filter((l) => l && typeof l === 'object') : [];
  const planned = Array.isArray(d.planned) ? d.planned : levels.map((l) => l.level);
  const pctText = (v) => (isNum(v) ? (Math.round(v * 10) / 10) + '%' : '-');
  const levelName = (l) => `${str(l.level)} ${unit}`;

  document.title = `surge stress: ${str(d.workload)} on ${str(d.target)}`;
  app.append(
    h('h1', null, 'surge stress report'),
    h('p', { class: 'sub' }, `${str(d.workload)} on ${str(d.target)} \u00b7 ${rate ? 'rate' : 'connection'} levels of ` +
      `${fmtDur(d.level_duration_s)}, ${fmtDur(d.cooldown_s)} cooldown`, d.surge_version ? ` \u00b7 surge ${d.surge_version}` : ''));

  const passed = isNum(d.capacity);
  const cap = passed
    ? `Capacity: ${d.capacity} ${unit} (highest level passed` +
      (!rate && isNum(d.capacity_throughput) ? `, ${fmtRate(d.capacity_throughput)}` : '') + ')'
    : 'Capacity: no level passed';
  app.append(h('div', { class: 'banner ' + (passed ? 'ok' : 'bad') }, cap,
    h('div', null, `${levels.length} of ${planned.length} levels ran \u00b7 ${str(d.stop_reason)}`)));

  /* What a level had to meet. */
  const c = d.criteria || {};
  /* One value when every level has the same bound, else one per level. */
  const bounds = (list, fmt) => (Array.isArray(list) && list.length
    ? (list.every((v) => v === list[0]) ? fmt(list[0]) : list.map(fmt).join(', ')) : null);
  const crit = [
    rate && isNum(c.throughput_pct) ? `throughput \u2265 ${c.throughput_pct}% of the level's rate` : null,
    isNum(c.errors_pct) ? `errors < ${c.errors_pct}%` : null,
    c.latency_percentile && bounds(c.latency_ms, fmtMs) ? `${c.latency_percentile} latency \u2264 ${bounds(c.latency_ms, fmtMs)}` : null,
    bounds(c.cpu_pct, pctText) ? `CPU < ${bounds(c.cpu_pct, pctText)}` + (d.watch ? '' : ' (not measured: no --watch)') : null,
    bounds(c.mem_pct, pctText) ? `memory < ${bounds(c.mem_pct, pctText)}` + (d.watch ? '' : ' (not measured)') : null,
    c.nothing_lost ? 'queue targets: nothing lost or unsent' : null,
  ].filter(Boolean);
  if (crit.length) app.append(h('p', { class: 'muted' }, 'Pass criteria: ' + crit.join(' \u00b7 ')));

  /* The verdict table: one row per planned level. */
  app.append(h('h2', null, 'Levels'));
  const verdict = (v) => (v === 'pass' ? h('span', { class: 'pass' }, 'pass')
    : v === 'fail' ? h('span', { class: 'fail' }, 'FAIL') : str(v));
  const why = (l) => (Array.isArray(l.failures) ? l.failures.map((f) => `${str(f.what)}: ${str(f.detail)}`).join('; ') : '');
  const rows = planned.map((p, i) => {
    const l = levels[i];
    if (!l) return [String(i + 1), `${p} ${unit}`, '-', '-', '-', '-', '-', 'not run', ''];
    const r = l.result || {};
    const lat = r.latency_ms || {};
    const ops = r.ops || {};
    return [String(i + 1), levelName(l), fmtRate(l.achieved), fmtMs(lat.p50), fmtMs(lat.p99),
      fmtPct(ops.failed, ops.total), pctText(l.cpu_pct), verdict(l.verdict), why(l)];
  });
  app.append(table([{ label: 'level', num: true }, { label: 'target', num: true }, { label: 'achieved', num: true },
    { label: 'p50', num: true }, { label: 'p99', num: true }, { label: 'errors', num: true }, { label: 'CPU', num: true },
    { label: 'verdict' }, { label: 'why', cls: 'msg' }], rows, 'levels'));

  const warnings = levels.flatMap((l) => (Array.isArray(l.warnings) ? l.warnings.map((w) => [l, w]) : []));
  if (warnings.length) {
    app.append(h('h2', null, 'Early warnings'));
    app.append(table([{ label: 'level' }, { label: 'warning' }, { label: 'detail', cls: 'msg' }],
      warnings.map(([l, w]) => [levelName(l), str(w.what), str(w.detail)]), 'warnings'));
  }

  if (d.baseline && typeof d.baseline === 'object') {
    const b = d.baseline;
    const back = d.recovered === true ? `yes: CPU ${pctText(d.recovery_cpu_pct)} after ${fmtDur(d.recovery_s)}`
      : d.recovered === false ? `no: CPU still ${pctText(d.recovery_cpu_pct)}` : 'not checked';
    app.append(h('h2', null, 'Watched system'));
    app.append(h('table', { class: 'kv' }, h('tbody', null,
      h('tr', null, h('th', null, 'watched'), h('td', { class: 'msg' }, str(d.watch))),
      h('tr', null, h('th', null, 'baseline'), h('td', null, `CPU ${pctText(b.cpu_pct)}, memory ${pctText(b.mem_pct)}`)),
      h('tr', null, h('th', null, 'back to baseline'), h('td', null, back)))));
  }

  /* One section per level, drawn from its own result. Charts go in once
   * they are in the page, so uPlot knows their width. */
  window.surgeStress = { charts: {} };
  for (const l of levels) {
    const r = l.result || {};
    const lat = r.latency_ms || {};
    const ops = r.ops || {};
    app.append(h('h2', { id: `level-${l.index}` }, `Level ${Number(l.index) + 1}: ${levelName(l)} \u2014 `, verdict(l.verdict)));
    const card = (k, v) => h('div', { class: 'card' }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, v));
    app.append(h('div', { class: 'cards' },
      card('achieved', fmtRate(l.achieved)),
      card('operations', fmtCount(ops.total)),
      card('failed', `${fmtCount(ops.failed)} (${fmtPct(ops.failed, ops.total)})`),
      card('unsent', fmtCount(ops.unsent)),
      card('latency p50', fmtMs(lat.p50)),
      card('latency p99', fmtMs(lat.p99)),
      card('CPU (max)', pctText(l.cpu_pct))));
    const notes = [...(l.failures || []).map((f) => ['fail', f]), ...(l.warnings || []).map((w) => ['warn', w])];
    if (notes.length)
      app.append(h('ul', null, notes.map(([k, f]) =>
        h('li', null, h('span', { class: k === 'fail' ? 'fail' : null }, k === 'fail' ? 'failed ' : 'warning '),
          `${str(f.what)}: ${str(f.detail)}`))));
    const history = Array.isArray(r.history) ? r.history.filter((s) => s && isNum(s.t)) : [];
    if (!history.length) {
      app.append(h('p', { class: 'muted' }, 'No history samples for this level.'));
      continue;
    }
    const grid = h('div', { class: 'charts' });
    app.append(grid);
    const specs = [Surge.CHARTS.rate, Surge.CHARTS.latency, ...Surge.extraCharts(Surge.extraKeys(history))];
    const charts = {};
    for (const spec of specs) {
      const el = h('div', { class: 'chart' });
      grid.append(el);
      const u = Surge.chart(el, spec);
      u.setData(Surge.columns(history, spec.keys));
      charts[spec.id] = u;
    }
    window.surgeStress.charts[l.index] = charts;
  }
  app.append(h('footer', null, 'Charts by uPlot (MIT licence). This file needs no network: everything it shows is in it.'));
})();
