/* dashboard.js - the live page: polls the API every second, appends the
 * new history samples to the charts, shows the status, the operations,
 * recent events and errors, and sends Pause / Resume / Stop. A queue or
 * process target adds charts of its gauges (queue depth, the consumer's
 * CPU), the latencies observed on its side and, at the end, how it ended.
 *
 * A token given in the page's address (?token=...) goes with every API
 * call as a Bearer header, so one link opens a protected dashboard. */
'use strict';

(() => {
  const { h, isNum, fmtMs, fmtRate, fmtCount, fmtPct, fmtDur, table } = Surge;
  const MAX_SAMPLES = 3600;   /* what the server keeps too */
  const token = new URLSearchParams(location.search).get('token');
  const headers = token ? { Authorization: 'Bearer ' + token } : {};

  async function api(path, method = 'GET') {
    const res = await fetch(path, { method, headers, cache: 'no-store' });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
    return res.json();
  }

  const app = document.getElementById('app');
  const sub = h('p', { class: 'sub' }, 'connecting\u2026');
  const state = h('span', { class: 'state' }, '\u2026');
  const line = h('span', { class: 'status' });
  const message = h('span', { class: 'muted' });
  const buttons = {
    pause: h('button', { id: 'pause', onclick: () => control('pause') }, 'Pause'),
    resume: h('button', { id: 'resume', onclick: () => control('resume') }, 'Resume'),
    stop: h('button', { id: 'stop', class: 'stop', onclick: () => control('stop') }, 'Stop'),
  };
  const grid = h('div', { class: 'charts' });
  const opsBox = h('div');
  const eventsBox = h('ul', { class: 'events' });
  const errorsBox = h('div');
  const targetBox = h('div', { id: 'target' });
  app.append(h('h1', null, 'surge dashboard'), sub,
    h('div', { class: 'controls' }, state, buttons.pause, buttons.resume, buttons.stop, message),
    h('div', { class: 'status' }, line),
    grid,
    targetBox,
    h('div', { class: 'cols' },
      h('div', null, h('h2', null, 'Operations'), opsBox),
      h('div', null, h('h2', null, 'Recent events'), eventsBox)),
    h('h2', null, 'Errors'), errorsBox);

  /* The charts by id: {spec, el, u}. The target's gauges get theirs as
   * their first readings come (the set only grows); a chart whose series
   * changed (one more queue) is drawn anew in its place. */
  const charts = {};
  const plots = {};   /* id -> uPlot, for tests */
  function ensureChart(spec) {
    const have = charts[spec.id];
    if (have && have.spec.keys.join() === spec.keys.join()) return have;
    let el;
    if (have) {
      have.u.destroy();
      el = have.el;
    } else {
      el = h('div', { class: 'chart' });
      grid.append(el);
    }
    const c = { spec, el, u: Surge.chart(el, { ...spec, height: 200 }) };
    charts[spec.id] = c;
    plots[spec.id] = c.u;
    return c;
  }
  for (const spec of [Surge.CHARTS.rate, Surge.CHARTS.latency, Surge.CHARTS.errors]) ensureChart(spec);
  let samples = [];
  let lastT = null;

  async function control(what) {
    message.textContent = `${what}\u2026`;
    try {
      await api('/api/' + what, 'POST');
      message.textContent = `${what} requested`;
    } catch (e) {
      message.textContent = e.message;
    }
    tick();
  }

  function showStatus(s) {
    sub.textContent = `${s.workload || '-'} on ${s.target || '-'}` + (s.pattern ? ` \u00b7 ${s.pattern}` : ' \u00b7 closed loop');
    const shown = s.paused && s.state === 'running' ? 'paused' : s.state;
    state.textContent = shown;
    state.className = 'state ' + shown;
    const live = s.state === 'running' || s.state === 'warmup' || s.state === 'setup' || s.state === 'new';
    buttons.pause.disabled = !live || s.paused;
    buttons.resume.disabled = !live || !s.paused;
    buttons.stop.disabled = !live;
    const o = s.ops || {};
    const l = s.latency_ms || {};
    const rate = s.rate || {};
    const planned = isNum(s.planned_s) ? ' / ' + fmtDur(s.planned_s) : '';
    const parts = [
      `${fmtDur(Math.max(s.elapsed_s || 0, 0))}${planned}`,
      `${fmtCount(o.ok)} ok, ${fmtCount(o.failed)} failed (${fmtPct(o.failed, o.total)})`,
      `rate ${fmtRate(rate.current)}` + (rate.target > 0 ? ` of ${fmtRate(rate.target)}` : ''),
      `p50 ${fmtMs(l.p50)}  p99 ${fmtMs(l.p99)}  max ${fmtMs(l.max)}`,
    ];
    if (s.paused_s > 0) parts.push(`paused ${fmtDur(s.paused_s)}`);
    if (s.state === 'done') parts.push(`stopped: ${s.stop_reason || '-'}` + (s.stop_detail ? ` (${s.stop_detail})` : ''));
    if (s.error) parts.push('error: ' + s.error);
    line.textContent = parts.join(' \u00b7 ');

    const byOp = Array.isArray(s.by_op) ? s.by_op : [];
    opsBox.replaceChildren(table(
      [{ label: 'operation' }, { label: 'share', num: true }, { label: 'ok', num: true }, { label: 'failed', num: true },
        { label: 'p50', num: true }, { label: 'p99', num: true }, { label: 'max', num: true }],
      byOp.map((op) => {
        const ol = op.latency_ms || {};
        return [op.name, fmtPct((op.ok || 0) + (op.failed || 0), o.total), fmtCount(op.ok), fmtCount(op.failed),
          fmtMs(ol.p50), fmtMs(ol.p99), fmtMs(ol.max)];
      })));
    const observed = Surge.observedTable(s.observed);
    const end = Surge.targetEndList(s.target_end);
    targetBox.replaceChildren(...[
      observed && h('h2', null, 'Observed by the target'), observed && h('p', { class: 'muted note' }, Surge.OBSERVED_NOTE), observed,
      end && h('h2', null, 'Target end'), end,
    ].filter(Boolean));

    const errs = Array.isArray(s.errors) ? s.errors : [];
    errorsBox.replaceChildren(errs.length
      ? table([{ label: 'count', num: true }, { label: 'operation' }, { label: 'message', cls: 'msg' }],
        errs.map((e) => [fmtCount(e.count), e.op || '-', e.message || '-']))
      : h('p', { class: 'muted' }, 'No operation failed.'));
  }

  function showEvents(list) {
    const recent = (Array.isArray(list) ? list : []).slice(-20).reverse();
    eventsBox.replaceChildren(...recent.map((e) =>
      h('li', null, h('span', { class: 't' }, isNum(e.t) ? fmtDur(Math.max(e.t, 0)) : '-'),
        h('span', { class: 'type' }, e.type || '?'), e.detail || '')));
    if (!recent.length) eventsBox.append(h('li', { class: 'muted' }, 'none yet'));
  }

  function addSamples(list) {
    if (!Array.isArray(list) || !list.length) return;
    for (const s of list) if (isNum(s.t) && (lastT === null || s.t > lastT)) samples.push(s);
    if (samples.length > MAX_SAMPLES) samples = samples.slice(-MAX_SAMPLES);
    lastT = samples.length ? samples[samples.length - 1].t : lastT;
    for (const spec of Surge.extraCharts(Surge.extraKeys(samples))) ensureChart(spec);
    for (const c of Object.values(charts)) c.u.setData(Surge.columns(samples, c.spec.keys));
  }

  let busy = false;
  async function tick() {
    if (busy) return;
    busy = true;
    try {
      const since = lastT === null ? '' : '?since=' + encodeURIComponent(lastT);
      const [status, metrics, events] = await Promise.all([api('/api/status'), api('/api/metrics' + since), api('/api/events')]);
      showStatus(status);
      addSamples(metrics.samples);
      showEvents(events.events);
    } catch (e) {
      state.textContent = 'unreachable';
      state.className = 'state lost';
      message.textContent = e.message + ' (the run may have ended)';
    } finally {
      busy = false;
    }
  }

  /* For tests and the curious: the charts and what they hold. */
  window.surgeDashboard = { charts: plots, samples: () => samples.length };
  tick();
  setInterval(tick, 1000);
})();
