// The leadership dashboard: signs in, reads the statistics and project
// endpoints of /api/v1 and draws them. Plain JavaScript, no dependency; every
// text from the API goes into the page through textContent.
'use strict';

(() => {
  const API = '../api/v1'; // relative, so that a proxy may serve the service under a prefix
  const SVGNS = 'http://www.w3.org/2000/svg';
  const KEYS = { access: 'pipeline.access_token', refresh: 'pipeline.refresh_token', expires: 'pipeline.expires_at' };
  const $ = (sel) => document.querySelector(sel);
  const store = window.sessionStorage;

  const state = { year: 0, asOf: '', quarter: 0, today: '', labels: {}, planYears: [], indicatorYears: [], indicatorTargets: {} };
  let refreshing = null; // the refresh in flight: refresh tokens are single use
  let refreshTimer = 0;

  // ---- the API ----

  class ApiError extends Error {
    constructor(problem, status) {
      let msg = problem.detail || problem.title || `请求失败（HTTP ${status}）`;
      if (problem.request_id) msg += `（请求编号 ${problem.request_id}）`;
      super(msg);
      this.status = status;
    }
  }

  // decimals keeps an indicator's value digit for digit as the API wrote
  // it (13.50 stays 13.50), where the browser gives a reviver the source.
  const decimals = (key, value, ctx) => (key === 'value' && ctx && typeof ctx.source === 'string' ? ctx.source : value);

  async function call(method, path, body, retry = true, reviver = undefined) {
    const headers = { Accept: 'application/json', 'Accept-Language': 'zh-CN' };
    const token = store.getItem(KEYS.access);
    if (token && !path.startsWith('/auth/')) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(API + path, { method, headers, cache: 'no-store', credentials: 'omit',
        body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError({ detail: '无法连接服务，请检查网络后重试' }, 0);
    }
    if (res.status === 401 && retry && store.getItem(KEYS.refresh) && !path.startsWith('/auth/')) {
      await refresh();
      return call(method, path, body, false, reviver);
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text, reviver) : null; } catch { data = null; }
    if (!res.ok) throw new ApiError(data && typeof data === 'object' ? data : {}, res.status);
    return data;
  }

  // all follows next_cursor through every page of a project list.
  async function all(query) {
    const items = [];
    let cursor = '';
    do {
      const q = new URLSearchParams(query);
      q.set('limit', '200');
      if (cursor) q.set('cursor', cursor);
      const page = await call('GET', '/projects?' + q);
      items.push(...page.items);
      cursor = page.next_cursor || '';
    } while (cursor);
    return items;
  }

  // byIDs reads projects by ID, 200 to a request.
  async function byIDs(ids) {
    const items = [];
    for (let i = 0; i < ids.length; i += 200) {
      items.push(...await all('id=' + ids.slice(i, i + 200).join(',')));
    }
    return items;
  }

  // ---- the session ----

  function keep(t) {
    store.setItem(KEYS.access, t.access_token);
    store.setItem(KEYS.refresh, t.refresh_token);
    store.setItem(KEYS.expires, String(Date.now() + t.expires_in * 1000));
    schedule();
  }

  // schedule refreshes the access token a minute before it expires.
  function schedule() {
    clearTimeout(refreshTimer);
    const left = Number(store.getItem(KEYS.expires) || 0) - Date.now() - 60000;
    refreshTimer = setTimeout(() => refresh().catch(() => {}), Math.max(left, 1000));
  }

  function refresh() {
    if (!refreshing) {
      refreshing = call('POST', '/auth/refresh', { refresh_token: store.getItem(KEYS.refresh) }, false)
        .then(keep, (e) => { signedOut('登录已过期，请重新登录'); throw e; })
        .finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  function signedOut(message) {
    clearTimeout(refreshTimer);
    Object.values(KEYS).forEach((k) => store.removeItem(k));
    $('#board').hidden = true;
    $('#controls').hidden = true;
    $('#login-view').hidden = false;
    $('#login-error').textContent = message || '';
    $('#username').focus();
  }

  async function signOut() {
    const rt = store.getItem(KEYS.refresh);
    signedOut('已退出登录');
    if (rt) await call('POST', '/auth/logout', { refresh_token: rt }, false).catch(() => {});
  }

  // claims reads the access token's payload for display only; the server
  // is the one that verifies it.
  function claims() {
    try {
      const part = (store.getItem(KEYS.access) || '').split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return {};
    }
  }

  // ---- formatting ----

  const fmtInt = (n) => Number(n).toLocaleString('zh-CN');
  const fmtWan = (yuan) => (yuan / 10000).toLocaleString('zh-CN', { maximumFractionDigits: 2 });
  const fmtPct = (r) => (r === null || r === undefined ? '—' : (r * 100).toFixed(1) + '%');
  const label = (kind, value) => (state.labels[kind] && state.labels[kind][value]) || value || '—';

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function svg(tag, attrs, parent, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  // clickable makes an element open a drill-down, by mouse or keyboard.
  function clickable(node, open) {
    node.setAttribute('tabindex', '0');
    node.setAttribute('role', 'button');
    node.onclick = (ev) => { ev.preventDefault(); open(); };
    node.onkeydown = (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(); } };
  }

  function showError(where, err) {
    where.replaceChildren(el('p', 'panel-error', '加载失败：' + err.message));
  }

  // ---- panels ----

  function meter(box, rate, target) {
    const s = svg('svg', { viewBox: '0 0 100 8', preserveAspectRatio: 'none', 'aria-hidden': 'true' });
    svg('rect', { x: 0, y: 1, width: 100, height: 6, rx: 3, class: 'meter-bg' }, s);
    const w = Math.max(0, Math.min(1, rate || 0)) * 100;
    svg('rect', { x: 0, y: 1, width: w, height: 6, rx: 3, class: rate >= target ? 'meter-ok' : 'meter-low' }, s);
    svg('rect', { x: Math.min(99.4, target * 100), y: 0, width: 0.6, height: 8, class: 'meter-target' }, s);
    box.replaceChildren(s);
  }

  // The IDs behind the overview o's numbers, asked for when one is opened: a
  // large register makes them megabytes, which the tiles do not need. One
  // request per overview shown.
  let idsOf = null;
  function overviewIDs(o) {
    if (!idsOf || idsOf.of !== o) {
      const q = new URLSearchParams({ year: o.year, as_of: o.as_of });
      const mine = { of: o, overview: call('GET', '/stats/overview?' + q) };
      mine.overview.catch(() => { if (idsOf === mine) idsOf = null; });
      idsOf = mine;
    }
    return idsOf.overview;
  }

  // pick finds the tile's rate in an overview: in this one, without the IDs,
  // and in the one with them that a drill-down asks for.
  function tile(key, o, pick, title, opts) {
    const rate = pick(o);
    const t = document.querySelector(`[data-kpi="${key}"]`);
    const fmt = opts.money ? fmtWan : fmtInt;
    t.querySelector('.rate').textContent = fmtPct(rate.rate);
    t.querySelector('.target').textContent = fmtPct(opts.target);
    meter(t.querySelector('.meter'), rate.rate, opts.target);
    const num = t.querySelector('.num');
    const den = t.querySelector('.den');
    num.textContent = fmt(rate.numerator);
    den.textContent = fmt(rate.denominator);
    num.dataset.value = rate.numerator;
    den.dataset.value = rate.denominator;
    clickable(num, () => drill(title + opts.numTitle, { ids: () => overviewIDs(o).then((f) => pick(f).project_ids.numerator) }));
    clickable(den, () => drill(title + opts.denTitle, { ids: () => overviewIDs(o).then((f) => pick(f).project_ids.denominator) }));
    t.classList.toggle('behind', rate.rate !== null && rate.rate < opts.target);
  }

  // monthDay reads a YYYY-MM-DD day as the bureau writes it, 6月30日,
  // whatever the browser's locale.
  const monthDay = (d) => `${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
  const monthOf = (period) => Number(period.slice(5, 7));

  // goal writes a target and its day: 目标 75.0%（6月30日前）.
  function goal(t, rate, date) {
    t.querySelector('.target').textContent = fmtPct(rate);
    t.querySelector('.target-date').textContent = date ? `（${monthDay(date)}前）` : '';
  }

  // idsLink fills a link with a count that opens the projects behind it.
  function idsLink(a, n, title, ids, money, note) {
    a.textContent = money ? fmtWan(n) : fmtInt(n);
    a.dataset.value = n;
    a.href = '#';
    clickable(a, () => drill(title, { ids, note }));
  }

  // flagLine shows a line of the tile only where the overview has entries
  // for it; note (the 停缓建 reasons) goes with the drill-down.
  function flagLine(t, flag, ids, title, note) {
    const line = t.querySelector(`[data-flag="${flag}"]`);
    line.hidden = !ids.length;
    if (ids.length) idsLink(line.querySelector('a'), ids.length, title, ids, false, note);
  }

  // renderPlanBar names the version of the plan the numbers read and the
  // period P whose money they hold: 资金数截至 5 月，6 月报 7 月 5 日到期.
  function renderPlanBar(o, periods) {
    const v = o.plan;
    let version = `${o.year} 年没有录入年度计划`;
    if (v && v.state === 'draft') version = '计划版本：草稿（按现状计算）';
    else if (v && v.revision === 0) version = `计划版本：下达 ${v.issued_on}`;
    else if (v) version = `计划版本：调整 ${v.revision}（${v.effective_on} 生效）· 下达 ${v.issued_on}`;
    $('#plan-version').textContent = version;
    $('#plan-version').dataset.state = v ? v.state : 'none';
    let money = o.period ? `资金数截至 ${monthOf(o.period)} 月` : '尚无到期的月报，资金数为 0';
    if (o.period && monthOf(o.period) === 12) money += '（全年）';
    const next = periods.find((x) => !o.period || x.period > o.period);
    if (next && next.due_on >= state.today) {
      const m = monthOf(next.period);
      money += `，${next.combined ? '1–2' : m} 月报 ${monthDay(next.due_on)}到期`;
    }
    $('#plan-period').textContent = `${money} · 阶段截至 ${o.as_of}`;
  }

  // renderFirsts fills 本年竣工 or 本年投产: the plan's entries, the rest apart.
  function renderFirsts(key, o, pick, what) {
    const t = document.querySelector(`[data-kpi="${key}"]`);
    const f = pick(o);
    idsLink(t.querySelector('.count'), f.plan.count, `${o.year}年计划项目：本年${what}`,
      () => overviewIDs(o).then((x) => pick(x).plan.project_ids));
    idsLink(t.querySelector('.outside'), f.outside_plan.count, `${o.year}年计划外项目：本年${what}`,
      () => overviewIDs(o).then((x) => pick(x).outside_plan.project_ids));
  }

  function renderMoney(o) {
    const c = o.cumulative_completion;
    const cum = $('[data-kpi="cumulative"]');
    idsLink(cum.querySelector('.count'), c.total_yuan, `${o.year}年计划项目：开工以来累计完成投资`,
      () => overviewIDs(o).then((x) => x.cumulative_completion.project_ids), true);
    cum.querySelector('.opening').textContent = fmtWan(c.opening_yuan);
    cum.querySelector('.year-yuan').textContent = fmtWan(c.year_yuan);
    const out = o.investment_completion.outside_plan;
    const t = $('[data-kpi="outside_plan"]');
    idsLink(t.querySelector('.count'), out.yuan, `${o.year}年计划外投资`,
      () => overviewIDs(o).then((x) => x.investment_completion.outside_plan.project_ids), true);
    const P = o.period ? monthOf(o.period) : 0;
    t.querySelector('.months').textContent = P ? `${P > 1 ? '1–' : ''}${P}月` : '尚无到期月报';
  }

  // renderNoPlan says plainly that the year has no plan, instead of empty
  // rates; the numbers that do not need one stay.
  function renderNoPlan(o) {
    const none = !o.plan;
    $('#no-plan').hidden = !none;
    $('#no-plan-text').textContent = none ? `${o.year} 年没有录入年度计划` : '';
    for (const t of document.querySelectorAll('.plan-kpi')) t.hidden = none;
  }

  function renderOverview(o) {
    const y = `${o.year}年`;
    renderNoPlan(o);
    renderFirsts('completed', o, (x) => x.completed_this_year, '竣工');
    renderFirsts('in_production', o, (x) => x.in_production_this_year, '投产');
    renderMoney(o);
    tile('start_annual', o, (x) => x.start_rate.annual, y + '新建项目',
      { target: o.start_rate.target, numTitle: '：已开工', denTitle: '：计划新建' });
    tile('start_to_date', o, (x) => x.start_rate.to_date, y + '新建项目',
      { target: o.start_rate.target, numTitle: `：截至${o.as_of}已开工`, denTitle: `：截至${o.as_of}应开工` });
    tile('resumption', o, (x) => x.resumption_rate, y + '续建项目',
      { target: o.resumption_rate.target, numTitle: `：截至${o.as_of}已复工`, denTitle: '：上年末在建' });
    for (const key of ['start_annual', 'start_to_date']) {
      const t = document.querySelector(`[data-kpi="${key}"]`);
      goal(t, o.start_rate.target, o.start_rate.target_date);
      flagLine(t, 'misclassified', o.start_rate.misclassified_ids || [], `${y}列为新建、上年已开工的条目（请核对建设性质）`);
    }
    const res = $('[data-kpi="resumption"]');
    goal(res, o.resumption_rate.target, o.resumption_rate.target_date);
    const stalled = o.resumption_rate.stalled || [];
    flagLine(res, 'stalled', stalled.map((x) => x.project_id), `${y}停缓建项目（不计入复工率）`,
      '停缓建原因：' + stalled.map((x) => x.reason).join('；'));
    const inv = o.investment_completion;
    tile('investment', o, (x) => x.investment_completion, y + '投资', { money: true, target: inv.time_progress, numTitle: '：已报完成投资的计划项目', denTitle: '：有计划投资的计划项目' });
    const P = o.period ? monthOf(o.period) : 0;
    $('[data-kpi="investment"] .months').textContent = P ? `${P > 1 ? '1–' : ''}${P}月完成` : '尚无到期月报，完成';
    $('[data-kpi="investment"] .tp-month').textContent = P ? `（${P}/12，截至${P}月）` : '（0/12）';
    const gap = $('[data-kpi="investment"] .gap');
    gap.className = 'gap';
    if (inv.gap_points === null) {
      gap.textContent = '';
    } else if (inv.gap_points > 0) {
      gap.textContent = `落后序时 ${inv.gap_points.toFixed(2)} 个百分点`;
      gap.classList.add('bad');
    } else {
      gap.textContent = inv.gap_points < 0 ? `超前序时 ${(-inv.gap_points).toFixed(2)} 个百分点` : '与序时进度持平';
      gap.classList.add('good');
    }

    const big = $('[data-kpi="over_100m"]');
    const count = big.querySelector('.count');
    count.textContent = fmtInt(o.over_100m.count);
    clickable(count, () => drill('亿元以上项目', { ids: () => overviewIDs(o).then((f) => f.over_100m.project_ids) }));
    big.querySelector('.sum').textContent = fmtWan(o.over_100m.total_investment_yuan);
    const allLink = big.querySelector('.all');
    allLink.textContent = fmtInt(o.projects.count);
    clickable(allLink, () => drill('在库项目', { query: '' }));
    for (const a of big.querySelectorAll('.light')) {
      a.querySelector('b').textContent = fmtInt(o.health[a.dataset.health]);
      clickable(a, () => drill(label('healths', a.dataset.health) + '项目', { query: 'health=' + a.dataset.health }));
    }

    $('#stage-note').textContent = `截至 ${o.as_of} · 个`;
    const note = o.as_of === state.today ? '' : `看板截至 ${o.as_of}；列表按项目当前阶段`;
    // The main line always, so that the pipeline reads left to right; the
    // side states (停工, 终止) where they have projects.
    const at = Object.fromEntries(o.by_stage.map((s) => [s.stage, s]));
    const stages = Object.keys(state.labels.stages).filter((s) => at[s] || !['suspended', 'cancelled'].includes(s));
    const box = $('#chart-stage');
    draw(box, () => columns(box, stages.map((s) => ({ key: s, label: label('stages', s), count: at[s] ? at[s].count : 0,
      yuan: at[s] ? at[s].total_investment_yuan : 0 })),
    (it) => drill(`阶段：${it.label}`, { query: 'stage=' + it.key, note })));
  }

  // chartWidth is the drawing width of a chart: the box's own pixels, so
  // that its type keeps its size from a phone to a meeting-room screen.
  const chartWidth = (box) => Math.max(280, Math.round(box.clientWidth || 600));
  const NARROW = 520;

  // drawn keeps how each chart was drawn, and at which width, to draw it
  // again when its box changes width (a phone turned, a window resized).
  const drawn = new Map();
  const resized = new ResizeObserver((entries) => {
    for (const { target } of entries) {
      const d = drawn.get(target);
      if (d && d.width !== chartWidth(target)) draw(target, d.fn);
    }
  });
  function draw(box, fn) {
    drawn.set(box, { fn, width: chartWidth(box) });
    resized.observe(box);
    fn();
  }

  // columns draws vertical bars, one per item, in the given order; a
  // narrow box gets horizontal bars in the same order.
  function columns(box, items, open) {
    const W = chartWidth(box), H = 250, top = 26, bottom = 34, left = 10;
    if (W < NARROW) return rows(box, items, open, false);
    const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img' });
    const max = Math.max(1, ...items.map((i) => i.count));
    const step = (W - left * 2) / Math.max(items.length, 1);
    const bw = Math.min(46, step * 0.62);
    svg('line', { x1: left, x2: W - left, y1: H - bottom, y2: H - bottom, class: 'axis' }, s);
    items.forEach((it, i) => {
      const g = svg('g', { class: 'hit', 'data-key': it.key }, s);
      svg('title', {}, g, `${it.label}：${fmtInt(it.count)} 个，总投资 ${fmtWan(it.yuan)} 万元`);
      const cx = left + step * i + step / 2;
      const h = (it.count / max) * (H - top - bottom);
      svg('rect', { x: cx - step / 2, y: 0, width: step, height: H, class: 'hit-area' }, g);
      svg('rect', { x: cx - bw / 2, y: H - bottom - h, width: bw, height: Math.max(h, 1), rx: 3, class: 'bar' }, g);
      svg('text', { x: cx, y: H - bottom - h - 7, class: 'value', 'text-anchor': 'middle' }, g, fmtInt(it.count));
      svg('text', { x: cx, y: H - 12, class: 'label', 'text-anchor': 'middle' }, g, it.label);
      clickable(g, () => open(it));
    });
    box.replaceChildren(s);
  }

  // rows draws horizontal bars, largest first unless told to keep the order.
  function rows(box, items, open, sorted = true) {
    if (sorted) items = items.slice().sort((a, b) => b.count - a.count || b.yuan - a.yuan);
    const W = chartWidth(box), rowH = 26, labelW = Math.min(180, Math.round(W * 0.36)), valueW = 56;
    const fits = Math.max(3, Math.floor((labelW - 10) / 15)); // characters of 15px type
    const H = Math.max(rowH, items.length * rowH) + 6;
    const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img' });
    const max = Math.max(1, ...items.map((i) => i.count));
    items.forEach((it, i) => {
      const y = 3 + i * rowH;
      const g = svg('g', { class: 'hit', 'data-key': it.key }, s);
      svg('title', {}, g, `${it.label}：${fmtInt(it.count)} 个，总投资 ${fmtWan(it.yuan)} 万元`);
      svg('rect', { x: 0, y, width: W, height: rowH, class: 'hit-area' }, g);
      const name = it.label.length > fits ? it.label.slice(0, fits - 1) + '…' : it.label; // the title has it whole
      svg('text', { x: labelW - 10, y: y + 18, class: 'label', 'text-anchor': 'end' }, g, name);
      const w = (it.count / max) * (W - labelW - valueW);
      svg('rect', { x: labelW, y: y + 5, width: Math.max(w, 1), height: rowH - 10, rx: 3, class: 'bar' }, g);
      svg('text', { x: labelW + w + 8, y: y + 18, class: 'value' }, g, fmtInt(it.count));
      clickable(g, () => open(it));
    });
    box.replaceChildren(s);
  }

  function renderBreakdown(box, b, filter, title) {
    draw(box, () => rows(box, b.items.map((i) => ({ key: i.key, label: i.label || i.key, count: i.count, yuan: i.total_investment_yuan })),
      (it) => drill(`${title}：${it.label}`, { query: filter + '=' + encodeURIComponent(it.key) })));
  }

  // niceStep is a round step for about n ticks up to max.
  function niceStep(max, n) {
    const raw = max / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  }

  function renderTrend(t) {
    const box = $('#chart-trend');
    const W = chartWidth(box), narrow = W < NARROW, H = narrow ? 280 : 260, left = narrow ? 56 : 70, right = 12, top = 16;
    const bottom = narrow ? 72 : 52;
    const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img' });
    const wan = (y) => y / 10000;
    const lastMonth = Number(state.asOf.slice(0, 4)) === t.year ? Number(state.asOf.slice(5, 7)) : 12;
    const max = Math.max(1, ...t.months.map((m) => Math.max(wan(m.cumulative_completed_yuan), wan(m.planned_to_date_yuan))));
    const step = Math.max(1, niceStep(max, 4)); // whole 万元: an empty year reads 0 and 1, not 0, 1, 1, 1
    const top2 = Math.ceil(max / step) * step;
    const y = (v) => H - bottom - (v / top2) * (H - top - bottom);
    for (let v = 0; v <= top2 + step / 2; v += step) {
      svg('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: v ? 'grid-line' : 'axis' }, s);
      svg('text', { x: left - 6, y: y(v) + 4, class: 'sub', 'text-anchor': 'end' }, s, fmtInt(Math.round(v)));
    }
    const colW = (W - left - right) / 12;
    const x = (i) => left + colW * i + colW / 2;
    t.months.forEach((m, i) => {
      if (i < lastMonth) {
        const h = H - bottom - y(wan(m.cumulative_completed_yuan));
        const r = svg('rect', { x: x(i) - colW * 0.3, y: y(wan(m.cumulative_completed_yuan)), width: colW * 0.6, height: Math.max(h, 0), rx: 2, class: 'bar' }, s);
        svg('title', {}, r, `${m.month} 累计完成 ${fmtWan(m.cumulative_completed_yuan)} 万元（当月 ${fmtWan(m.completed_yuan)} 万元）`);
      }
      svg('text', { x: x(i), y: H - bottom + 18, class: 'label', 'text-anchor': 'middle' }, s, narrow ? String(i + 1) : `${i + 1}月`);
    });
    svg('polyline', { points: t.months.map((m, i) => `${x(i)},${y(wan(m.planned_to_date_yuan))}`).join(' '), class: 'plan-line' }, s);
    t.months.forEach((m, i) => {
      const c = svg('circle', { cx: x(i), cy: y(wan(m.planned_to_date_yuan)), r: 3, class: 'plan-dot' }, s);
      svg('title', {}, c, `${m.month} 序时计划 ${fmtWan(m.planned_to_date_yuan)} 万元`);
    });
    // The legend: one line, or two on a narrow box.
    const ly = narrow ? H - 34 : H - 12, lx = narrow ? 12 : left;
    const ly2 = narrow ? H - 12 : ly, lx2 = narrow ? 12 : left + 130;
    svg('rect', { x: lx, y: ly - 9, width: 14, height: 10, class: 'bar' }, s);
    svg('text', { x: lx + 20, y: ly, class: 'sub' }, s, narrow ? '累计完成投资（万元）' : '累计完成投资');
    svg('line', { x1: lx2, x2: lx2 + 20, y1: ly2 - 4, y2: ly2 - 4, class: 'plan-line' }, s);
    svg('text', { x: lx2 + 26, y: ly2, class: 'sub' }, s, `序时计划（年度计划 ${fmtWan(t.planned_yuan)} 万元）`);
    box.replaceChildren(s);
  }

  function renderBatches(b) {
    $('#batch-title').textContent = b.quarter === null ? `${b.year}年全年` : `${b.year}年第${b.quarter}季度`;
    const body = $('#batches tbody');
    body.replaceChildren();
    for (const [key, name] of [['signed', '签约一批'], ['started', '开工一批'], ['in_production', '投产一批']]) {
      const set = b[key];
      const tr = el('tr');
      tr.dataset.batch = key;
      tr.append(el('th', '', name));
      const td = el('td', 'n');
      const a = el('a', 'count', fmtInt(set.count));
      a.href = '#';
      clickable(a, () => drill(`${b.year}年第${b.quarter}季度${name}`, { ids: set.project_ids }));
      td.append(a);
      tr.append(td, el('td', 'n', fmtWan(set.total_investment_yuan)), el('td', 'n', fmtWan(set.expected_annual_output_yuan)));
      body.append(tr);
    }
  }

  function reasonText(r) {
    let s = label('health_rules', r.rule);
    if (r.rule === 'investment_behind' && r.ref) {
      const points = Number(r.ref.split(':')[1]);
      if (Number.isFinite(points)) s += `（落后 ${points.toFixed(2)} 个百分点）`;
    } else if (r.rule === 'funding_over_plan' && r.ref) {
      s += `（${label('funding_sources', r.ref)}）`;
    } else if (r.since) {
      s += `（${r.since} 起）`;
    }
    return s;
  }

  function renderAlerts(items) {
    const rank = { red: 0, yellow: 1 };
    items.sort((a, b) => rank[a.health] - rank[b.health] || (b.total_investment_yuan || 0) - (a.total_investment_yuan || 0));
    const list = $('#alerts');
    list.replaceChildren();
    if (!items.length) list.append(el('li', 'empty', '暂无红灯、黄灯项目'));
    for (const p of items) {
      const li = el('li', 'alert ' + p.health);
      li.dataset.id = p.id;
      const head = el('p', 'head');
      head.append(el('span', 'dot ' + p.health, label('healths', p.health)), el('strong', 'name', p.name));
      const facts = [label('stages', p.stage), label('departments', p.department), p.leader ? '包联 ' + p.leader : ''];
      li.append(head, el('p', 'facts', facts.filter(Boolean).join(' · ')),
        el('p', 'reasons', p.health_reasons.map(reasonText).join('；')));
      list.append(li);
    }
  }

  // titled gives each cell of a row its column's header, which a narrow
  // screen shows beside the value when the rows read as cards.
  function titled(tr, table) {
    const heads = table.querySelectorAll('thead th');
    [...tr.cells].forEach((td, i) => { if (heads[i]) td.dataset.label = heads[i].textContent; });
  }

  function rowOf(cells, span) {
    const tr = el('tr');
    cells[0].colSpan = span;
    tr.append(...cells);
    return tr;
  }

  function lightCell(health) {
    const td = el('td');
    td.append(el('span', 'dot ' + health, label('healths', health)));
    return td;
  }

  // ---- the monthly dispatch ----

  const DISPATCH = ['owed', 'reported', 'reported_late', 'overdue', 'pending', 'returned', 'accepted'];
  const DISPATCH_ZH = { owed: '应报', reported: '已报', reported_late: '逾期已报', overdue: '逾期未报', pending: '未报', returned: '退回', accepted: '已审核' };

  // dispatchPeriod is the period the panel shows: P, the latest period
  // whose reports were due (the one whose money the KPIs hold, and whose
  // late reports the bureau chases); before the year's first due day, the
  // year's first period, the one due next. Without an overview, the latest
  // period due by today.
  function dispatchPeriod(o, periods) {
    if (o && o.year === state.year) return o.period || (periods[0] && periods[0].period);
    const due = periods.filter((x) => x.due_on < state.today);
    return (due.length ? due[due.length - 1] : periods[0] || {}).period;
  }

  async function loadDispatch(o) {
    const periods = (await call('GET', '/dispatch/periods?year=' + state.year)).items;
    if (o && o.year === state.year) renderPlanBar(o, periods);
    const period = dispatchPeriod(o, periods);
    if (!period) throw new ApiError({ detail: `${state.year} 年没有调度期` }, 0);
    renderDispatch(await call('GET', '/dispatch/' + period));
  }

  function dispatchRow(d, name, title) {
    const tr = el('tr');
    tr.dataset.department = d.department || '';
    tr.append(el('th', '', name));
    for (const key of DISPATCH) {
      const td = el('td', 'n');
      td.dataset.key = key;
      const a = el('a', 'count');
      idsLink(a, d[key].count, `${title}：${name}${DISPATCH_ZH[key]}`, d[key].project_ids);
      td.append(a);
      tr.append(td);
    }
    titled(tr, $('#dispatch'));
    return tr;
  }

  function renderDispatch(st) {
    const m = monthOf(st.period);
    const title = `${st.period.slice(0, 4)}年${st.combined ? '1–2' : m}月调度`;
    $('#dispatch-title').textContent = `${st.period.slice(0, 4)}年${st.combined ? '1–2' : m}月`;
    $('#dispatch-due').textContent = `报送截止 ${st.due_on}${st.moved ? '（已调整）' : ''} · ${st.counts ? '已过截止日，计入统计' : '未到截止日'}`;
    const body = $('#dispatch tbody');
    body.replaceChildren();
    for (const d of st.departments) body.append(dispatchRow(d, label('departments', d.department), title));
    if (!st.departments.length) body.append(rowOf([el('td', 'empty', '该期没有应报的计划项目')], 8));
    $('#dispatch tfoot').replaceChildren(st.departments.length > 1 ? dispatchRow(st.total, '合计', title) : '');
    const link = $('#sheet-link');
    link.dataset.period = st.period;
    link.removeAttribute('data-state');
    link.onclick = (ev) => { ev.preventDefault(); download(link, `/dispatch/${st.period}/sheet?format=xlsx`, `调度表-${st.period}.xlsx`); };
  }

  // download fetches a file with the bearer token and saves it through a
  // Blob URL: a plain link would go without the token.
  async function download(link, path, name) {
    link.dataset.state = 'loading';
    try {
      let res = await fetch(API + path, { headers: { Authorization: 'Bearer ' + store.getItem(KEYS.access), 'Accept-Language': 'zh-CN' }, cache: 'no-store', credentials: 'omit' });
      if (res.status === 401 && store.getItem(KEYS.refresh)) {
        await refresh();
        res = await fetch(API + path, { headers: { Authorization: 'Bearer ' + store.getItem(KEYS.access), 'Accept-Language': 'zh-CN' }, cache: 'no-store', credentials: 'omit' });
      }
      if (!res.ok) {
        let problem = {};
        try { problem = await res.json(); } catch { problem = {}; }
        throw new ApiError(problem, res.status);
      }
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = el('a');
      a.href = url;
      a.download = name;
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      link.dataset.bytes = blob.size;
      link.dataset.type = blob.type;
      link.dataset.state = 'ready';
    } catch (e) {
      link.dataset.state = 'error';
      const err = $('#error');
      err.textContent = '调度表下载失败：' + e.message;
      err.hidden = false;
    }
  }

  // ---- the county's indicators: reported figures, never computed ----

  // fmtDec groups a decimal's whole part, keeping its fraction as given.
  function fmtDec(v) {
    const [whole, frac] = String(v).split('.');
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return frac === undefined ? grouped : grouped + '.' + frac;
  }

  function figure(it) {
    const box = el('div', 'figure');
    box.dataset.code = it.code;
    const value = el('p', 'fig-value');
    value.append(el('b', 'value', fmtDec(it.value)), el('span', 'unit', it.unit));
    const src = el('p', 'fig-source', it.source);
    src.title = it.source;
    box.append(el('p', 'fig-label', it.label), value, el('p', 'fig-period', /^\d{4}-\d{2}-\d{2}$/.test(it.period) ? `${it.period} 前` : it.period), src);
    return box;
  }

  async function loadIndicators() {
    $('#county-year').textContent = `${state.year}年`;
    const y = state.year;
    const ind = state.indicatorYears.includes(y) ? await call('GET', '/indicators/' + y, undefined, true, decimals) : { items: [] };
    if (y !== state.year) return;
    const targets = ind.items.filter((it) => state.indicatorTargets[it.code]);
    const reported = ind.items.filter((it) => !state.indicatorTargets[it.code]);
    $('#county-reported').replaceChildren(...reported.map(figure));
    $('#county-targets').replaceChildren(...targets.map(figure));
    $('#county-targets-head').hidden = !targets.length;
    $('#county-empty').hidden = ind.items.length > 0;
    $('#county-empty').textContent = `${y} 年没有录入县级指标`;
  }

  // ---- drill-down ----

  let drillSeq = 0;

  async function drill(title, source) {
    const dlg = $('#drill');
    const seq = ++drillSeq;
    $('#drill-title').textContent = title;
    $('#drill-note').textContent = source.note || '';
    const body = $('#drill-rows');
    body.replaceChildren(rowOf([el('td', 'empty', '正在加载…')], 6));
    dlg.dataset.state = 'loading';
    if (!dlg.open) dlg.showModal();
    try {
      const ids = typeof source.ids === 'function' ? await source.ids() : source.ids;
      const items = ids ? await byIDs(ids) : await all(source.query);
      if (seq !== drillSeq) return;
      items.sort((a, b) => (b.total_investment_yuan || 0) - (a.total_investment_yuan || 0) || a.name.localeCompare(b.name, 'zh-CN'));
      body.replaceChildren();
      if (!items.length) body.append(rowOf([el('td', 'empty', '没有项目')], 6));
      for (const p of items) {
        const tr = el('tr');
        tr.dataset.id = p.id;
        tr.append(el('td', 'name', p.name), el('td', '', label('stages', p.stage)), el('td', '', label('departments', p.department)),
          el('td', '', p.leader || '—'), el('td', 'n', p.total_investment_yuan === null ? '—' : fmtWan(p.total_investment_yuan)),
          lightCell(p.health));
        titled(tr, $('#drill table'));
        body.append(tr);
      }
      const sum = items.reduce((n, p) => n + (p.total_investment_yuan || 0), 0);
      $('#drill-title').textContent = `${title}（${items.length} 个，总投资 ${fmtWan(sum)} 万元）`;
      dlg.dataset.state = 'ready';
    } catch (e) {
      if (seq !== drillSeq) return;
      body.replaceChildren(rowOf([el('td', 'panel-error', '加载失败：' + e.message)], 6));
      dlg.dataset.state = 'error';
    }
  }

  // ---- loading ----

  const quarterOf = (day) => Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1;

  function fillControls() {
    const sel = $('#year');
    const now = Number(state.today.slice(0, 4));
    sel.replaceChildren();
    // The years that have a plan or indicators, this year, and the one shown.
    const years = [...new Set([...state.planYears, ...state.indicatorYears, now, state.year])].sort((a, b) => b - a);
    for (const y of years) {
      const o = el('option', '', `${y}年`);
      o.value = y;
      sel.append(o);
    }
    sel.value = state.year;
    const asOf = $('#as-of');
    asOf.dataset.min = `${state.year}-01-01`;
    asOf.dataset.max = state.year < now ? `${state.year}-12-31` : state.today;
    asOf.value = state.asOf;
    $('#quarter').value = state.quarter;
    const url = new URL(location.href);
    url.search = new URLSearchParams({ year: state.year, as_of: state.asOf, quarter: state.quarter }).toString();
    history.replaceState(null, '', url);
  }

  let loadSeq = 0;

  async function load() {
    const board = $('#board');
    const seq = ++loadSeq; // a later load (a new year, the timer) wins over this one
    board.dataset.state = 'loading';
    $('#error').hidden = true;
    let ok = true;
    let o = null;
    try {
      // The server's clock decides today and the defaults of a year.
      const q = new URLSearchParams();
      if (state.year) q.set('year', state.year);
      if (state.asOf) q.set('as_of', state.asOf);
      q.set('ids', 'false');
      o = await call('GET', '/stats/overview?' + q);
      if (seq !== loadSeq) return;
      state.year = o.year;
      state.asOf = o.as_of;
      if (!state.quarter) state.quarter = quarterOf(o.as_of);
      fillControls();
      renderOverview(o);
    } catch (e) {
      if (seq !== loadSeq) return;
      const err = $('#error');
      err.textContent = '指标加载失败：' + e.message;
      err.hidden = false;
      ok = false;
    }
    // Figures of another day must not pass for this one's.
    board.classList.toggle('stale', !ok);
    if (!state.year) {
      board.dataset.state = 'error';
      return;
    }
    if (!state.quarter && state.asOf) state.quarter = quarterOf(state.asOf);
    const y = 'year=' + state.year;
    const panels = [
      [$('#chart-trend'), () => call('GET', '/stats/trend?' + y).then((t) => draw($('#chart-trend'), () => renderTrend(t)))],
      [$('#chart-category'), () => call('GET', '/stats/breakdown?by=category&' + y)
        .then((b) => renderBreakdown($('#chart-category'), b, 'category', '类别'))],
      [$('#chart-department'), () => call('GET', '/stats/breakdown?by=department&' + y)
        .then((b) => renderBreakdown($('#chart-department'), b, 'department', '责任部门'))],
      [$('#batches tbody'), () => call('GET', `/stats/batches?${y}` + (state.quarter ? '&quarter=' + state.quarter : '')).then(renderBatches)],
      [$('#alerts'), () => all('health=red,yellow&sort=-total_investment_yuan').then(renderAlerts)],
      [$('#dispatch tbody'), () => loadDispatch(o)],
      [$('#county-reported'), loadIndicators],
    ];
    const results = await Promise.allSettled(panels.map(([, f]) => f()));
    if (seq !== loadSeq) return;
    results.forEach((r, i) => {
      if (r.status === 'rejected') showError(panels[i][0], r.reason);
    });
    board.dataset.state = ok && results.every((r) => r.status === 'fulfilled') ? 'ready' : 'error';
  }

  async function start() {
    $('#login-view').hidden = true;
    $('#board').hidden = false;
    $('#controls').hidden = false;
    schedule();
    try {
      const meta = await call('GET', '/meta');
      for (const kind of ['stages', 'categories', 'healths', 'health_rules', 'funding_sources', 'roles']) {
        state.labels[kind] = Object.fromEntries(meta[kind].map((l) => [l.value, l.zh]));
      }
      state.labels.departments = Object.fromEntries(meta.departments.map((d) => [d.code, d.name]));
      state.indicatorTargets = Object.fromEntries(meta.indicator_codes.map((c) => [c.code, c.target]));
      const [plans, indicators] = await Promise.all([call('GET', '/annual-plans'), call('GET', '/indicators')]);
      state.planYears = plans.items.map((p) => p.year);
      state.indicatorYears = indicators.items;
      const c = claims();
      $('#user').textContent = [c.name, label('roles', c.role)].filter(Boolean).join(' · ');
      // Today on the server's clock: the default as_of of the current year.
      state.today = (await call('GET', '/stats/overview?ids=false')).as_of;
    } catch (e) {
      if (!store.getItem(KEYS.access)) return;
      const err = $('#error');
      err.textContent = '加载失败：' + e.message;
      err.hidden = false;
      return;
    }
    await load();
  }

  // ---- wiring ----

  document.addEventListener('DOMContentLoaded', () => {
    const q = new URLSearchParams(location.search);
    state.year = Number(q.get('year')) || 0;
    state.asOf = /^\d{4}-\d{2}-\d{2}$/.test(q.get('as_of') || '') ? q.get('as_of') : '';
    state.quarter = Math.min(4, Math.max(0, Number(q.get('quarter')) || 0));

    $('#login').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      $('#login-error').textContent = '';
      const button = ev.target.querySelector('button');
      button.disabled = true;
      try {
        keep(await call('POST', '/auth/login', { username: $('#username').value.trim(), password: $('#password').value }, false));
        $('#password').value = '';
        await start();
      } catch (e) {
        $('#login-error').textContent = e.message;
        $('#password').value = '';
        $('#password').focus();
      } finally {
        button.disabled = false;
      }
    });
    $('#sign-out').addEventListener('click', signOut);
    $('#year').addEventListener('change', () => {
      state.year = Number($('#year').value);
      state.asOf = '';
      state.quarter = 0;
      load();
    });
    $('#as-of').addEventListener('change', () => {
      const f = $('#as-of');
      // A day written YYYY-MM-DD, whatever the browser's locale, within the year and not after today.
      const ok = /^\d{4}-\d{2}-\d{2}$/.test(f.value) && f.value >= f.dataset.min && f.value <= f.dataset.max;
      f.setCustomValidity(ok ? '' : `请填写 ${f.dataset.min} 至 ${f.dataset.max} 之间的日期，如 ${f.dataset.max}`);
      if (!ok) { f.reportValidity(); return; }
      state.asOf = f.value;
      state.quarter = quarterOf(state.asOf);
      load();
    });
    $('#quarter').addEventListener('change', () => { state.quarter = Number($('#quarter').value); load(); });
    $('#controls').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });

    // A meeting-room screen stays open: read the figures again every five minutes.
    setInterval(() => { if (!$('#board').hidden && !document.hidden) load(); }, 5 * 60 * 1000);

    if (store.getItem(KEYS.refresh)) {
      if (Number(store.getItem(KEYS.expires) || 0) - Date.now() < 60000) {
        refresh().then(start, () => {});
      } else {
        start();
      }
    } else {
      signedOut('');
    }
  });
})();
