/* common.js - what the report and the dashboard share: number formats like
 * the terminal summary's, DOM building, and uPlot charts set up one way.
 *
 * Text from the run (target, operation names, error messages) only ever
 * goes in as text nodes, never through innerHTML: a message from the
 * database is data, not markup.
 */
'use strict';

const Surge = (() => {
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

  /* h('td', {class: 'n'}, 'text', child...) */
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid == null || kid === false) continue;
      el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  /* Three significant digits, as the terminal shows them. */
  function sig3(v) {
    const a = Math.abs(v);
    if (a >= 100) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }

  function fmtMs(ms) {
    if (!isNum(ms) || ms < 0) return '-';
    if (ms === 0) return '0';
    if (ms < 0.001) return sig3(ms * 1e6) + 'ns';
    if (ms < 1) return sig3(ms * 1e3) + 'us';
    if (ms < 1000) return sig3(ms) + 'ms';
    return sig3(ms / 1000) + 's';
  }

  function fmtSi(v) {
    if (!isNum(v)) return '-';
    const a = Math.abs(v);
    if (a < 10000) return Number.isInteger(v) ? String(v) : sig3(v);
    if (a < 1e6) return sig3(v / 1e3) + 'k';
    if (a < 1e9) return sig3(v / 1e6) + 'M';
    return sig3(v / 1e9) + 'G';
  }

  const fmtRate = (v) => (isNum(v) ? (Math.abs(v) < 10 ? v.toFixed(2) : fmtSi(Math.round(v * 10) / 10)) + '/s' : '-');
  const fmtCount = (n) => (isNum(n) ? n.toLocaleString('en-US') : '-');

  function fmtPct(part, whole) {
    if (!isNum(part) || !isNum(whole) || whole <= 0) return '-';
    const p = (100 * part) / whole;
    if (p === 0) return '0%';
    if (p < 0.01) return '<0.01%';
    return (p >= 10 ? p.toFixed(1) : p.toFixed(2)) + '%';
  }

  function fmtDur(s) {
    if (!isNum(s) || s < 0) return '-';
    if (s < 1) return Math.round(s * 1000) + 'ms';
    if (s < 60) return (s < 10 ? s.toFixed(1) : s.toFixed(0)) + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + String(Math.floor(s % 60)).padStart(2, '0') + 's';
    return Math.floor(s / 3600) + 'h' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + 'm';
  }

  /* A table: columns [{label, num}], rows of cells (string or node). */
  function table(columns, rows, cls) {
    return h('table', { class: cls },
      h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.num ? 'n' : null }, c.label)))),
      h('tbody', null, rows.map((row) =>
        h('tr', null, row.map((cell, i) => h('td', { class: columns[i].num ? 'n' : columns[i].cls }, cell))))));
  }

  const COLORS = {
    target: '#98a2b3', actual: '#1f77b4', p50: '#2ca02c', p95: '#ff7f0e', p99: '#d62728',
    max: '#9467bd', failed: '#d62728', extra: '#0f8b8d',
  };

  /* A time-series chart in el: x in seconds since the measured start, one
   * line (or bars) per series: [{label, color, dash, fill}], values shown
   * with fmt. Its width follows the element's. */
  function chart(el, { title, series, fmt, bars, height = 220 }) {
    const fmtV = fmt || fmtSi;
    const opts = {
      title,
      width: Math.max(el.clientWidth, 300),
      height,
      scales: {
        x: { time: false },
        y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] },
      },
      series: [
        { label: 'time', value: (u, v) => (v == null ? '-' : fmtDur(v)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width || 1.5,
          dash: s.dash,
          fill: s.fill,
          paths: bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined,
          value: (u, v) => (v == null ? '-' : fmtV(v)),
        })),
      ],
      axes: [
        { values: (u, ticks) => ticks.map(fmtDur) },
        { size: 64, values: (u, ticks) => ticks.map(fmtV) },
      ],
      cursor: { drag: { x: true, y: false } },
    };
    const u = new uPlot(opts, [[], ...series.map(() => [])], el);
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => {
        const w = Math.max(el.clientWidth, 300);
        if (w !== u.width) u.setSize({ width: w, height });
      }).observe(el);
    }
    return u;
  }

  /* uPlot's columns from samples: [[t...], [s[keys[0]]...], ...]; values
   * that are not numbers become gaps. */
  function columns(samples, keys) {
    return [samples.map((s) => s.t), ...keys.map((k) => samples.map((s) => (isNum(s[k]) ? s[k] : null)))];
  }

  /* The charts both pages draw from history samples, and the keys each
   * takes from a sample. */
  const CHARTS = {
    /* The target goes last, drawn over the actual rate: where the run
     * keeps up exactly, its dashed line still shows. */
    rate: {
      id: 'rate', title: 'Rate: actual vs target (ops/s)', fmt: fmtSi,
      keys: ['actual_rate', 'target_rate'],
      series: [
        { label: 'actual', color: COLORS.actual, fill: 'rgba(31,119,180,0.08)' },
        { label: 'target', color: COLORS.target, dash: [6, 4] },
      ],
    },
    latency: {
      id: 'latency', title: 'Latency from the intended start', fmt: fmtMs,
      keys: ['p50_ms', 'p95_ms', 'p99_ms', 'max_ms'],
      series: [
        { label: 'p50', color: COLORS.p50 },
        { label: 'p95', color: COLORS.p95 },
        { label: 'p99', color: COLORS.p99 },
        { label: 'max', color: COLORS.max, dash: [3, 3], width: 1 },
      ],
    },
    errors: {
      id: 'errors', title: 'Failed operations per interval', fmt: fmtSi, bars: true,
      keys: ['failed'],
      series: [{ label: 'failed', color: COLORS.failed, fill: 'rgba(214,39,40,0.5)' }],
    },
  };

  /* Fields a sample may carry beyond the ones above: the target's gauges
   * (docs/result.md). Each gets a chart; the queue depths share one, the
   * total over the per-queue ones, since they count the same thing. */
  const KNOWN = new Set(['t', 'length', 'target_rate', 'actual_rate', 'ok', 'failed', 'late',
    'p50_ms', 'p95_ms', 'p99_ms', 'max_ms', 'mean_ms', 'phase']);
  const fmtPctV = (v) => (isNum(v) ? sig3(v) + '%' : '-');
  const fmtPlain = (v) => (isNum(v) ? sig3(v) : '-');
  const GAUGES = {
    queue_depth: { title: 'Queue depth (jobs waiting)', fmt: fmtSi },
    child_cpu_pct: { title: 'Consumer CPU (%, 100 = one core)', fmt: fmtPctV },
    child_rss_mb: { title: 'Consumer memory (resident, MiB)', fmt: fmtPlain },
    dequeued_per_s: { title: 'Dequeued by the consumers (per s)', fmt: fmtSi },
    unacked: { title: 'Sent, not yet acknowledged', fmt: fmtSi },
    unparsed: { title: 'Popped without a readable timestamp', fmt: fmtSi },
  };
  const QUEUE = 'queue_depth';
  const isQueue = (k) => k === QUEUE || k.startsWith(QUEUE + '_');
  const PALETTE = ['#0f8b8d', '#e377c2', '#8c564b', '#bcbd22', '#17becf', '#7f7f7f'];

  /* The gauge formatter of a name, for charts and tables. */
  const gaugeFmt = (k) => (GAUGES[isQueue(k) ? QUEUE : k] || { fmt: fmtSi }).fmt;

  /* The extra fields with a number in some sample, in first-seen order
   * (the order of the result's gauges). */
  function extraKeys(samples) {
    const keys = new Set();
    for (const s of samples)
      for (const [k, v] of Object.entries(s))
        if (!KNOWN.has(k) && isNum(v)) keys.add(k);
    return [...keys];
  }

  /* Chart specs for those fields: one per field, but one for all the queue
   * depths (id 'queue_depth': the total first, bold, then each queue). */
  function extraCharts(keys) {
    const specs = [];
    let grouped = false;
    const queues = [...keys.filter((k) => k === QUEUE), ...keys.filter((k) => isQueue(k) && k !== QUEUE)];
    for (const k of keys) {
      if (isQueue(k)) {
        if (grouped) continue;   /* the group goes where its first member was */
        grouped = true;
        specs.push({
          id: QUEUE, title: GAUGES[QUEUE].title, fmt: fmtSi, keys: queues,
          series: queues.map((q, i) => q === QUEUE
            ? { label: 'all queues', color: COLORS.extra, width: 2 }
            : { label: q.slice(QUEUE.length + 1), color: PALETTE[(i + 1) % PALETTE.length], width: 1 }),
        });
        continue;
      }
      const g = GAUGES[k] || { title: k.replace(/_/g, ' '), fmt: fmtSi };
      specs.push({ id: k, title: g.title, fmt: g.fmt, keys: [k], series: [{ label: k, color: COLORS.extra }] });
    }
    return specs;
  }

  const entries = (o) => (o && typeof o === 'object' && !Array.isArray(o) ? Object.entries(o) : []);

  /* "Observed by the target": latencies measured on the far side (a
   * consumer's dequeue, a child's acknowledgement), {name: {count, lost,
   * latency_ms}}. null when there are none. */
  function observedTable(observed) {
    const rows = entries(observed).filter(([, o]) => o && typeof o === 'object');
    if (!rows.length) return null;
    return table(
      [{ label: 'observed' }, { label: 'count', num: true }, { label: 'lost', num: true }, { label: 'p50', num: true },
        { label: 'p95', num: true }, { label: 'p99', num: true }, { label: 'max', num: true }],
      rows.map(([name, o]) => {
        const l = o.latency_ms || {};
        const lost = isNum(o.lost) && o.lost > 0
          ? h('span', { class: 'fail' }, `${fmtCount(o.lost)} (${fmtPct(o.lost, o.lost + (isNum(o.count) ? o.count : 0))})`)
          : fmtCount(o.lost);
        return [name, fmtCount(o.count), lost, fmtMs(l.p50), fmtMs(l.p95), fmtMs(l.p99), fmtMs(l.max)];
      }), 'observed');
  }

  const OBSERVED_NOTE = 'Latency measured on the target\u2019s side: dequeue, from the enqueue to a consumer\u2019s pop; ' +
    'ack, from the write to the consumer\u2019s acknowledgement. Lost: sent, never observed by the end.';

  /* The gauges' summary, {name: {last, min, max, mean, samples}}; null when none. */
  function gaugeTable(gauges) {
    const rows = entries(gauges).filter(([, g]) => g && typeof g === 'object');
    if (!rows.length) return null;
    return table(
      [{ label: 'gauge' }, { label: 'last', num: true }, { label: 'min', num: true }, { label: 'mean', num: true },
        { label: 'max', num: true }, { label: 'samples', num: true }],
      rows.map(([name, g]) => {
        const f = gaugeFmt(name);
        return [name, f(g.last), f(g.min), f(g.mean), f(g.max), fmtCount(g.samples)];
      }), 'gauges');
  }

  /* "Target end": how the target was wound down, {name: number | text}.
   * Names ending in _s are seconds. null when there is nothing. */
  function targetEndList(facts) {
    const rows = entries(facts).filter(([, v]) => v != null);
    if (!rows.length) return null;
    const show = (k, v) => (isNum(v) ? (k.endsWith('_s') ? fmtDur(v) : Number.isInteger(v) ? fmtCount(v) : sig3(v)) : String(v));
    return h('table', { class: 'kv target-end' }, h('tbody', null,
      rows.map(([k, v]) => h('tr', null, h('th', null, k), h('td', { class: 'msg' }, show(k, v))))));
  }

  return {
    isNum, h, fmtMs, fmtSi, fmtRate, fmtCount, fmtPct, fmtDur, table, chart, columns, CHARTS, extraKeys, extraCharts,
    observedTable, OBSERVED_NOTE, gaugeTable, targetEndList,
  };
})();
