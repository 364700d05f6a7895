/* report.js - draws the HTML report from the result embedded in the page
 * (docs/result.md): verdicts, totals, charts of the history (the target's
 * gauges included), the per-operation, latency, observed-by-the-target and
 * error tables, how the target ended, and what ran. Any field may be
 * missing (an older result, a run that ended early): a part without its
 * data is left out, never drawn from made-up numbers. */
'use strict';

(() => {
  const { h, isNum, fmtMs, fmtRate, fmtCount, fmtPct, fmtDur, table } = Surge;
  const app = document.getElementById('app');
  const data = document.getElementById('surge-result');
  let r;
  try {
    r = JSON.parse(data.textContent);
  } catch (e) {
    app.append(h('div', { class: 'banner bad' }, 'The embedded result could not be read: ' + e.message));
    return;
  }
  const ops = r.ops || {};
  const total = isNum(ops.total) ? ops.total : null;
  const history = Array.isArray(r.history) ? r.history.filter((s) => s && isNum(s.t)) : [];
  const str = (v) => (v == null || v === '' ? '-' : String(v));

  document.title = `surge: ${str(r.workload)} on ${str(r.target)}`;
  app.append(
    h('h1', null, 'surge report'),
    h('p', { class: 'sub' }, `${str(r.workload)} on ${str(r.target)}`,
      r.started_at ? ` \u00b7 started ${r.started_at}` : '', r.surge_version ? ` \u00b7 surge ${r.surge_version}` : ''));

  /* How it ended, and whether the thresholds held. */
  const thresholds = Array.isArray(r.thresholds) ? r.thresholds : null;
  const failedTh = thresholds ? thresholds.filter((t) => t && t.ok === false).length : 0;
  let how = `Stopped: ${str(r.stop_reason)}`;
  if (r.guardrail) how += ` (guardrail ${r.guardrail})`;
  if (r.stop_detail) how += ` \u2014 ${r.stop_detail}`;
  const bad = r.error || r.guardrail || failedTh > 0;
  app.append(h('div', { class: 'banner ' + (bad ? 'bad' : 'ok') },
    how,
    r.error ? h('div', null, 'Error: ' + r.error) : null,
    thresholds && thresholds.length
      ? h('div', null, failedTh ? `${failedTh} of ${thresholds.length} thresholds failed` : `all ${thresholds.length} thresholds held`)
      : null));

  const lat = r.latency_ms || {};
  const card = (k, v) => h('div', { class: 'card' }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, v));
  app.append(h('div', { class: 'cards' },
    card('operations', fmtCount(total)),
    card('ok', fmtCount(ops.ok)),
    card('failed', `${fmtCount(ops.failed)} (${fmtPct(ops.failed, total)})`),
    card('throughput', fmtRate(r.throughput)),
    card('target rate', r.mode === 'closed' ? 'closed loop' : fmtRate(r.target_rate)),
    card('duration', fmtDur(r.duration_s)),
    card('latency p50', fmtMs(lat.p50)),
    card('latency p99', fmtMs(lat.p99)),
    card('latency max', fmtMs(lat.max))));

  /* Charts of the history; drawn once they are in the page, so uPlot
   * knows their width. */
  if (history.length) {
    app.append(h('h2', null, 'Over time'));
    const grid = h('div', { class: 'charts' });
    app.append(grid);
    const specs = [Surge.CHARTS.rate, Surge.CHARTS.latency, Surge.CHARTS.errors,
      ...Surge.extraCharts(Surge.extraKeys(history))];
    window.surgeReport = { charts: {} };
    for (const spec of specs) {
      const el = h('div', { class: 'chart' });
      grid.append(el);
      const u = Surge.chart(el, spec);
      u.setData(Surge.columns(history, spec.keys));
      window.surgeReport.charts[spec.id] = u;
    }
    if (Array.isArray(r.history) && isNum(r.interval_s))
      app.append(h('p', { class: 'muted' }, `${history.length} samples, one every ${fmtDur(r.interval_s)}` +
        (history.length && history[0].t > r.interval_s * 1.5 ? ' (the oldest were dropped: the run kept its last samples)' : '')));
  } else {
    app.append(h('p', { class: 'muted' }, 'No history samples in this result.'));
  }

  if (thresholds && thresholds.length) {
    app.append(h('h2', null, 'Thresholds'));
    app.append(table([{ label: 'threshold' }, { label: 'verdict' }, { label: 'value', num: true }, { label: 'detail', cls: 'msg' }],
      thresholds.map((t) => [
        h('code', null, str(t.expr)),
        t.ok === false ? h('span', { class: 'fail' }, 'FAILED') : t.ok === true ? h('span', { class: 'pass' }, 'held') : '-',
        isNum(t.value) ? String(Math.round(t.value * 1000) / 1000) : '-',
        str(t.detail),
      ])));
  }

  const byOp = r.by_op && typeof r.by_op === 'object' ? Object.entries(r.by_op) : [];
  if (byOp.length) {
    app.append(h('h2', null, 'Operations'));
    app.append(table(
      [{ label: 'operation' }, { label: 'weight', num: true }, { label: 'share', num: true }, { label: 'ok', num: true },
        { label: 'failed', num: true }, { label: 'p50', num: true }, { label: 'p95', num: true }, { label: 'p99', num: true },
        { label: 'max', num: true }, { label: 'service p99', num: true }],
      byOp.map(([name, o]) => {
        const l = o.latency_ms || {};
        const n = (isNum(o.ok) ? o.ok : 0) + (isNum(o.failed) ? o.failed : 0);
        return [name, isNum(o.weight) ? String(o.weight) : '-', fmtPct(n, total), fmtCount(o.ok), fmtCount(o.failed),
          fmtMs(l.p50), fmtMs(l.p95), fmtMs(l.p99), fmtMs(l.max), fmtMs((o.service_ms || {}).p99)];
      })));
  }

  const latRows = [['latency (from intended start)', r.latency_ms], ['service time (from send)', r.service_ms],
    ['schedule lag', r.lag_ms]].filter(([, l]) => l && typeof l === 'object');
  if (latRows.length) {
    app.append(h('h2', null, 'Latency'));
    const keys = ['p50', 'p90', 'p95', 'p99', 'p999', 'mean', 'min', 'max'];
    app.append(table([{ label: '' }, ...keys.map((k) => ({ label: k === 'p999' ? 'p99.9' : k, num: true }))],
      latRows.map(([label, l]) => [label, ...keys.map((k) => fmtMs(l[k]))])));
  }

  /* Queue and process targets: what the far side saw, its gauges in
   * numbers (the charts above show them over time), how it ended. */
  const observed = Surge.observedTable(r.observed);
  if (observed) {
    app.append(h('h2', null, 'Observed by the target'));
    app.append(h('p', { class: 'muted note' }, Surge.OBSERVED_NOTE));
    app.append(observed);
  }
  const gauges = Surge.gaugeTable(r.gauges);
  if (gauges) {
    app.append(h('h2', null, 'Target gauges'));
    app.append(gauges);
  }
  const end = Surge.targetEndList(r.target_end);
  if (end) {
    app.append(h('h2', null, 'Target end'));
    app.append(end);
  }

  const errors = r.errors && typeof r.errors === 'object' ? Object.entries(r.errors) : [];
  app.append(h('h2', null, 'Errors'));
  if (errors.length) {
    const where = r.error_ops || {};
    app.append(table([{ label: 'count', num: true }, { label: 'share of failed', num: true }, { label: 'first seen in' }, { label: 'message', cls: 'msg' }],
      errors.map(([msg, n]) => [fmtCount(n), fmtPct(n, ops.failed), str(where[msg]), msg])));
  } else {
    app.append(h('p', { class: 'muted' }, 'No operation failed.'));
  }

  if (Array.isArray(r.events) && r.events.length) {
    app.append(h('h2', null, 'Events'));
    app.append(table([{ label: 't', num: true }, { label: 'event' }, { label: 'detail', cls: 'msg' }],
      r.events.map((e) => [isNum(e.t) ? fmtDur(Math.max(e.t, 0)) : '-', str(e.type), str(e.detail)])));
  }

  /* What ran: enough to run it again. The seed comes from the page's own
   * copy of its digits (data-seed): JSON.parse rounds past 2^53. */
  const seed = data.dataset.seed || (r.seed != null ? String(r.seed) : '-');
  const planned = [isNum(r.planned_s) ? fmtDur(r.planned_s) : null, isNum(r.planned_ops) ? fmtCount(r.planned_ops) + ' operations' : null]
    .filter(Boolean).join(', ');
  const settings = [
    ['target', str(r.target)],
    ['workload', str(r.workload)],
    ['pattern', r.pattern == null ? 'none (closed loop)' : String(r.pattern)],
    ['mode', r.mode === 'open' ? `open loop, ${str(r.arrivals)} arrivals` : r.mode === 'closed' ? 'closed loop' : str(r.mode)],
    ['threads', str(r.threads)],
    ['connections', str(r.connections)],
    ['seed', seed],
    ['warm-up', isNum(r.warmup_s) ? fmtDur(r.warmup_s) : '-'],
    ['interval', isNum(r.interval_s) ? fmtDur(r.interval_s) : '-'],
    ['planned', planned || 'until stopped'],
    ['duration', fmtDur(r.duration_s)],
    ['paused', isNum(r.paused_s) ? fmtDur(r.paused_s) : null],
    ['late after', isNum(r.late_after_ms) ? fmtMs(r.late_after_ms) : '-'],
    ['late / unsent / retries', `${fmtCount(ops.late)} / ${fmtCount(ops.unsent)} / ${fmtCount(ops.retries)}`],
    ['stop reason', str(r.stop_reason)],
    ['stop detail', r.stop_detail ? String(r.stop_detail) : null],
    ['guardrail', r.guardrail ? String(r.guardrail) : 'none tripped'],
    ['error', r.error ? String(r.error) : null],
    ['started', str(r.started_at)],
    ['surge', str(r.surge_version)],
  ].filter(([, v]) => v != null);
  app.append(h('h2', null, 'Settings'));
  app.append(h('table', { class: 'kv' }, h('tbody', null, settings.map(([k, v]) => h('tr', null, h('th', null, k), h('td', { class: 'msg' }, v))))));
  app.append(h('footer', null, 'Charts by uPlot (MIT licence). This file needs no network: everything it shows is in it.'));
})();
