/// <reference lib="dom" />
import type * as ECharts from 'echarts';
import {
  api,
  ApiError,
  followEvents,
  session,
  type Alert,
  type Camera,
  type CameraStatus,
  type Conversion,
  type Demographics,
  type MediaDetail,
  type MediaSummary,
  type Store,
  type Summary,
  type SummaryGroup,
  type Traffic,
  type Zones,
} from './api';

// The StoreLens dashboard: plain TypeScript over the public API, charts by ECharts (loaded from the platform's own
// node_modules by the gateway). Pages are hash routes (#/overview, …) so a reload keeps the page; the API key is
// taken from the sign-in form or from a #key=… link (the fragment never reaches a server) and kept in
// sessionStorage only.

declare const echarts: typeof ECharts;

type Page = 'overview' | 'demographics' | 'zones' | 'alerts' | 'cameras' | 'media';
const PAGES: { id: Page; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'demographics', label: 'Demographics' },
  { id: 'zones', label: 'Zones' },
  { id: 'alerts', label: 'Live alerts' },
  { id: 'cameras', label: 'Cameras' },
  { id: 'media', label: 'Recent media' },
];
const COLORS = ['#2f5bea', '#f08c2e', '#1a8a5a', '#c53030', '#805ad5', '#d69e2e', '#319795'];
const EMOTION_COLORS: Record<string, string> = {
  happy: '#1a8a5a',
  neutral: '#8a94a6',
  surprise: '#d69e2e',
  sad: '#2f5bea',
  angry: '#c53030',
  fear: '#805ad5',
  disgust: '#6b8e23',
};

interface Filters {
  storeId: string;
  zone: string;
  from: string; // yyyy-mm-dd, inclusive
  to: string; // yyyy-mm-dd, inclusive
}

const state: {
  filters: Filters;
  stores: Store[];
  cameras: Camera[];
  charts: ECharts.ECharts[];
  timer?: number;
  /** the live event stream of the alerts page, closed when the page changes */
  stream?: AbortController;
} = { filters: { storeId: '', zone: '', from: '', to: '' }, stores: [], cameras: [], charts: [] };

const $app = () => document.getElementById('app')!;
const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toLocaleString());
const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((100 * part) / whole)} %` : '–');
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (day: string, n: number) => isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000));
const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// ---- sign-in ----

function signInPage(message?: string): void {
  stopTimers();
  $app().innerHTML = `
    <form class="signin" id="signin">
      <h1>StoreLens</h1>
      <p>Footfall, demographics and alerts for your stores. Sign in with your API key.</p>
      <label for="key">API key</label>
      <input id="key" name="key" type="password" autocomplete="off" placeholder="slk_…" required>
      <button type="submit">Sign in</button>
      ${message ? `<div class="error" role="alert">${esc(message)}</div>` : ''}
    </form>`;
  const form = document.getElementById('signin') as HTMLFormElement;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn((document.getElementById('key') as HTMLInputElement).value.trim());
  });
}

async function signIn(key: string): Promise<void> {
  if (!key) return signInPage('Enter your API key.');
  try {
    state.stores = await api<Store[]>('/v1/stores', key);
  } catch (err) {
    session.clear();
    return signInPage(err instanceof ApiError && err.status === 401 ? err.message : messageOf(err));
  }
  session.set(key);
  const cams = await Promise.all(state.stores.map((s) => api<Camera[]>(`/v1/stores/${s.id}/cameras`)));
  state.cameras = cams.flat();
  if (!location.hash.startsWith('#/')) history.replaceState(null, '', '#/overview');
  shell();
}

function signOut(message?: string): void {
  session.clear();
  history.replaceState(null, '', location.pathname);
  signInPage(message);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : 'Something went wrong. Please try again.';
}

// ---- frame: header, filters, page ----

function currentPage(): Page {
  const id = location.hash.replace(/^#\//, '') as Page;
  return PAGES.some((p) => p.id === id) ? id : 'overview';
}

function zones(): string[] {
  const cams = state.cameras.filter((c) => !state.filters.storeId || c.storeId === state.filters.storeId);
  return [...new Set(cams.map((c) => c.zone).filter((z): z is string => !!z))].sort();
}

function shell(): void {
  const f = state.filters;
  const page = currentPage();
  $app().innerHTML = `
    <header class="top">
      <div class="logo">Store<span>Lens</span></div>
      <nav class="tabs">${PAGES.map((p) => `<a href="#/${p.id}" class="${p.id === page ? 'active' : ''}">${p.label}</a>`).join('')}</nav>
      <button class="secondary" id="signout">Sign out</button>
    </header>
    <form class="filters" id="filters">
      <label>Store<select name="storeId"><option value="">All stores (${state.stores.length})</option>
        ${state.stores.map((s) => `<option value="${s.id}" ${s.id === f.storeId ? 'selected' : ''}>${esc(s.name)}</option>`).join('')}
      </select></label>
      <label>Zone<select name="zone"><option value="">All zones</option>
        ${zones()
          .map((z) => `<option ${z === f.zone ? 'selected' : ''}>${esc(z)}</option>`)
          .join('')}
      </select></label>
      <label>From<input type="date" name="from" value="${f.from}" max="${f.to}"></label>
      <label>To<input type="date" name="to" value="${f.to}" min="${f.from}"></label>
      <span class="range-note">Times in your browser's time zone</span>
    </form>
    <main id="page"></main>`;
  document.getElementById('signout')!.addEventListener('click', () => signOut());
  document.getElementById('filters')!.addEventListener('change', (e) => {
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const storeChanged = data.get('storeId') !== f.storeId;
    state.filters = {
      storeId: String(data.get('storeId') ?? ''),
      zone: storeChanged ? '' : String(data.get('zone') ?? ''),
      from: String(data.get('from') || f.from),
      to: String(data.get('to') || f.to),
    };
    if (state.filters.from > state.filters.to) state.filters.to = state.filters.from;
    shell();
  });
  void renderPage(page);
}

function stopTimers(): void {
  if (state.timer) window.clearInterval(state.timer);
  state.timer = undefined;
  state.stream?.abort();
  state.stream = undefined;
  for (const c of state.charts) c.dispose();
  state.charts = [];
}

async function renderPage(page: Page): Promise<void> {
  stopTimers();
  const el = document.getElementById('page')!;
  el.innerHTML = `<p class="loading">Loading ${esc(PAGES.find((p) => p.id === page)!.label.toLowerCase())}…</p>`;
  try {
    await RENDER[page](el);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401)
      return signOut('Your session ended: the API key is no longer accepted.');
    el.innerHTML = `<div class="error" role="alert">We could not load this page. ${esc(messageOf(err))}</div>`;
  }
}

// ---- helpers for pages ----

function rangeQuery(extra: Record<string, string> = {}): string {
  const f = state.filters;
  const q = new URLSearchParams({ from: f.from, to: addDays(f.to, 1), ...extra });
  if (f.storeId) q.set('storeId', f.storeId);
  if (f.zone) q.set('zone', f.zone);
  return q.toString();
}

/** The shopper calls (visits of people) take the store and the range; zones do not split a visit. */
function shopperQuery(extra: Record<string, string> = {}): string {
  const f = state.filters;
  const q = new URLSearchParams({ from: f.from, to: addDays(f.to, 1), ...extra });
  if (f.storeId) q.set('storeId', f.storeId);
  return q.toString();
}

/** A store-time period of the traffic answer (2026-11-28T14:00, 2026-11-28) as a short label. */
function periodLabel(period: string): string {
  const [day, time] = period.split('T');
  const d = new Date(`${day}T00:00:00Z`);
  const date = d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
  return time ? `${date} ${time}` : date;
}

const seconds = (s: number) => (s >= 90 ? `${Math.round(s / 6) / 10} min` : `${Math.round(s)} s`);

/** Hours for ranges up to three days, days beyond. */
const bucket = () => (Date.parse(state.filters.to) - Date.parse(state.filters.from) < 3 * 86_400_000 ? 'hour' : 'day');

function bucketLabel(g: SummaryGroup): string {
  const d = new Date(g.hour ?? g.day ?? '');
  return g.hour
    ? d.toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

function chart(el: HTMLElement, option: ECharts.EChartsOption): void {
  const c = echarts.init(el);
  c.setOption({ color: COLORS, textStyle: { fontFamily: 'system-ui, sans-serif' }, animation: false, ...option });
  state.charts.push(c);
}

const panel = (id: string, title: string, sub = '') =>
  `<section class="panel"><h3>${title}</h3>${sub ? `<p class="sub">${sub}</p>` : ''}<div class="chart" id="${id}"></div></section>`;

const empty = (title: string, text: string) => `<div class="empty"><strong>${esc(title)}</strong>${esc(text)}</div>`;

function emptyIn(id: string, title: string, text: string): void {
  const el = document.getElementById(id)!;
  el.classList.remove('chart');
  el.innerHTML = empty(title, text);
}

const kpi = (label: string, value: string, hint = '') =>
  `<div class="kpi"><div class="label">${label}</div><div class="value">${value}</div><div class="hint">${hint}</div></div>`;

const noVisits =
  'No visits in this range. Visits are counted once your cameras’ footage has been linked into people; try a longer date range.';

const nothingSeen = 'Nothing was seen for these filters. Try a longer date range, another store or all zones.';

// ---- pages ----

const RENDER: Record<Page, (el: HTMLElement) => Promise<void>> = {
  async overview(el) {
    const by = bucket();
    const [total, series, visits, conv] = await Promise.all([
      api<Summary>(`/v1/analytics/summary?${rangeQuery({ groupBy: 'none' })}`),
      api<Summary>(`/v1/analytics/summary?${rangeQuery({ groupBy: by })}`),
      api<Traffic>(`/v1/analytics/traffic?${shopperQuery({ groupBy: by })}`),
      api<Conversion>(`/v1/analytics/conversion?${shopperQuery()}`),
    ]);
    const t = total.groups[0]!;
    const sum = (k: 'visits' | 'newVisitors' | 'returningVisitors') => visits.groups.reduce((a, g) => a + g[k], 0);
    const peak = Math.max(0, ...visits.groups.map((g) => g.occupancyPeak));
    el.innerHTML = `
      <h2 class="page">Overview</h2>
      <div class="kpis" id="kpis">
        ${kpi('Face sightings', fmt(t.faces), 'faces seen by your cameras')}
        ${kpi('Unique visitors', fmt(t.visitors?.unique), 'distinct people, staff left out')}
        ${kpi('Recognised', fmt(t.identified - t.staff.faces), `members and watchlist · ${pct(t.identified - t.staff.faces, t.faces - t.staff.faces)} of shopper sightings`)}
        ${kpi('Anonymous', fmt(t.unknown), 'sightings of unknown visitors')}
        ${kpi('Staff sightings', fmt(t.staff.faces), `${fmt(t.staff.people)} staff members`)}
      </div>
      <div class="kpis" id="shopper-kpis">
        ${kpi('Visits', fmt(conv.visits), 'people who came in; each visit counted once')}
        ${kpi('New visitors', fmt(sum('newVisitors')), `first visit in the return window · summed per ${by}`)}
        ${kpi('Returning visitors', fmt(sum('returningVisitors')), `came back within the return window · summed per ${by}`)}
        ${kpi('Conversion', conv.visits ? `${(conv.rate * 100).toFixed(1)} %` : '–', conv.basis === 'transactions' ? `${fmt(conv.converted)} visits with a sale` : 'reached a checkout (no sales sent)')}
        ${kpi('Occupancy peak', fmt(peak), `most people in a store at once`)}
      </div>
      <div class="grid">
        ${panel('traffic', `Traffic per ${by}`, 'face sightings and unique visitors')}
        ${panel('split', `Recognised vs anonymous per ${by}`, 'sightings; staff shown apart')}
        ${panel('visits', `Visits per ${by}, new vs returning`, `people, in the store’s time (${esc(visits.timezone)}); line: occupancy peak`)}
        ${panel('conversion', 'Conversion by segment', conv.basis === 'transactions' ? 'visits with a matched sale' : 'visits that reached a checkout zone')}
      </div>`;
    if (visits.groups.length === 0) {
      emptyIn('visits', 'No visits yet', noVisits);
      emptyIn('conversion', 'No visits yet', noVisits);
    } else {
      chart(document.getElementById('visits')!, {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 50, right: 50, top: 36, bottom: 40 },
        xAxis: { type: 'category', data: visits.groups.map((g) => periodLabel(g.period)) },
        yAxis: [
          { type: 'value', name: 'people', minInterval: 1 },
          { type: 'value', name: 'at once', minInterval: 1 },
        ],
        series: [
          { name: 'New', type: 'bar', stack: 'v', data: visits.groups.map((g) => g.newVisitors) },
          { name: 'Returning', type: 'bar', stack: 'v', data: visits.groups.map((g) => g.returningVisitors) },
          {
            name: 'Occupancy peak',
            type: 'line',
            yAxisIndex: 1,
            color: '#1a8a5a',
            data: visits.groups.map((g) => g.occupancyPeak),
          },
        ],
      });
      const segments: [string, string, Record<string, { rate: number; visits: number }>][] = [
        ['Members', 'member', conv.bySegment.membership],
        ['Anonymous', 'anonymous', conv.bySegment.membership],
        ['New', 'new', conv.bySegment.visitor],
        ['Returning', 'returning', conv.bySegment.visitor],
        ['Women', 'female', conv.bySegment.gender],
        ['Men', 'male', conv.bySegment.gender],
      ];
      const rows = [
        { name: 'All visits', rate: conv.rate, visits: conv.visits },
        ...segments
          .filter(([, k, seg]) => seg[k])
          .map(([name, k, seg]) => ({ name, rate: seg[k]!.rate, visits: seg[k]!.visits })),
      ];
      chart(document.getElementById('conversion')!, {
        tooltip: { trigger: 'axis', valueFormatter: (v) => `${v} %` },
        grid: { left: 10, right: 40, top: 10, bottom: 20, containLabel: true },
        xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value} %' } },
        yAxis: { type: 'category', inverse: true, data: rows.map((r) => `${r.name} (${fmt(r.visits)})`) },
        series: [{ name: 'Conversion', type: 'bar', data: rows.map((r) => Math.round(r.rate * 1000) / 10) }],
      });
    }
    if (series.groups.length === 0) {
      emptyIn('traffic', 'No traffic yet', nothingSeen);
      emptyIn('split', 'No sightings yet', nothingSeen);
      return;
    }
    const labels = series.groups.map(bucketLabel);
    chart(document.getElementById('traffic')!, {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 50, right: 50, top: 36, bottom: 40 },
      xAxis: { type: 'category', data: labels },
      yAxis: [
        { type: 'value', name: 'sightings', minInterval: 1 },
        { type: 'value', name: 'visitors', minInterval: 1 },
      ],
      series: [
        { name: 'Face sightings', type: 'bar', data: series.groups.map((g) => g.faces) },
        {
          name: 'Unique visitors',
          type: 'line',
          yAxisIndex: 1,
          smooth: true,
          data: series.groups.map((g) => g.visitors?.unique ?? 0),
        },
      ],
    });
    chart(document.getElementById('split')!, {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 36, bottom: 40 },
      xAxis: { type: 'category', data: labels },
      yAxis: { type: 'value', name: 'sightings', minInterval: 1 },
      series: [
        { name: 'Recognised', type: 'bar', stack: 's', data: series.groups.map((g) => g.identified - g.staff.faces) },
        { name: 'Anonymous', type: 'bar', stack: 's', data: series.groups.map((g) => g.unknown) },
        { name: 'Staff', type: 'bar', stack: 's', color: '#a0aec0', data: series.groups.map((g) => g.staff.faces) },
      ],
    });
  },

  async demographics(el) {
    const [s, people] = await Promise.all([
      api<Summary>(`/v1/analytics/summary?${rangeQuery({ groupBy: 'none' })}`),
      api<Demographics>(`/v1/analytics/demographics?${shopperQuery()}`),
    ]);
    const g = s.groups[0]!;
    const shoppers = g.faces - g.staff.faces;
    el.innerHTML = `
      <h2 class="page">Demographics</h2>
      <div class="kpis">
        ${kpi('Shopper sightings', fmt(shoppers), 'staff left out')}
        ${kpi('Women', pct(g.gender.female, g.gender.female + g.gender.male), `${fmt(g.gender.female)} sightings`)}
        ${kpi('Men', pct(g.gender.male, g.gender.female + g.gender.male), `${fmt(g.gender.male)} sightings`)}
        ${kpi('Members', fmt(g.identified - g.staff.faces), 'recognised members and watchlist')}
        ${kpi('Visitors', fmt(people.visitors), 'people with a visit, each counted once')}
      </div>
      <div class="grid">
        ${panel('people', 'Visitors by age band × gender', 'each person once, over all their visits in the range')}
        ${panel('agegender', 'Age band × gender', 'shopper sightings; ages are estimates')}
        ${panel('members', 'Members vs anonymous', 'shopper sightings')}
        ${panel('emotions', 'Mood', 'most likely emotion per sighting')}
      </div>`;
    if (people.visitors === 0) emptyIn('people', 'No visitors yet', noVisits);
    else {
      const bands = Object.keys(people.byAgeBand);
      chart(document.getElementById('people')!, {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 50, right: 20, top: 36, bottom: 40 },
        xAxis: { type: 'category', name: 'years', data: bands },
        yAxis: { type: 'value', name: 'people', minInterval: 1 },
        series: [
          {
            name: 'Women',
            type: 'bar',
            stack: 'p',
            color: '#d53f8c',
            data: bands.map((b) => people.matrix.female[b] ?? 0),
          },
          {
            name: 'Men',
            type: 'bar',
            stack: 'p',
            color: '#2f5bea',
            data: bands.map((b) => people.matrix.male[b] ?? 0),
          },
          {
            name: 'Not sure',
            type: 'bar',
            stack: 'p',
            color: '#a0aec0',
            data: bands.map((b) => people.matrix.unknown[b] ?? 0),
          },
        ],
      });
    }
    if (shoppers === 0) {
      for (const id of ['agegender', 'members', 'emotions']) emptyIn(id, 'No shoppers seen', nothingSeen);
      return;
    }
    const bands = Object.keys(g.ageBands) as (keyof typeof g.ageBands)[];
    chart(document.getElementById('agegender')!, {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 36, bottom: 40 },
      xAxis: { type: 'category', name: 'years', data: bands },
      yAxis: { type: 'value', name: 'sightings', minInterval: 1 },
      series: [
        { name: 'Women', type: 'bar', color: '#d53f8c', data: bands.map((b) => g.ageByGender.female[b] ?? 0) },
        { name: 'Men', type: 'bar', color: '#2f5bea', data: bands.map((b) => g.ageByGender.male[b] ?? 0) },
      ],
    });
    chart(document.getElementById('members')!, {
      tooltip: { trigger: 'item', formatter: '{b}: {c} ({d} %)' },
      legend: { bottom: 0 },
      series: [
        {
          type: 'pie',
          radius: ['45%', '70%'],
          data: [
            { name: 'Members and watchlist', value: g.identified - g.staff.faces },
            { name: 'Anonymous', value: g.unknown },
            ...(g.pending > 0 ? [{ name: 'Not yet classified', value: g.pending }] : []),
          ],
        },
      ],
    });
    chart(document.getElementById('emotions')!, {
      tooltip: { trigger: 'item', formatter: '{b}: {c} ({d} %)' },
      legend: { bottom: 0 },
      series: [
        {
          type: 'pie',
          radius: ['45%', '70%'],
          data: Object.entries(g.emotions).map(([name, value]) => ({
            name,
            value,
            itemStyle: { color: EMOTION_COLORS[name] },
          })),
        },
      ],
    });
  },

  async zones(el) {
    const by = bucket();
    const [perCamera, hot] = await Promise.all([
      api<Summary>(`/v1/analytics/summary?${rangeQuery({ groupBy: 'camera' })}`),
      api<Zones>(`/v1/analytics/zones?${shopperQuery()}`),
    ]);
    const zoneList = state.filters.zone ? [state.filters.zone] : zones();
    el.innerHTML = `
      <h2 class="page">Zones</h2>
      <div class="grid">
        ${panel('activity', 'Activity per camera and zone', 'face sightings and unique visitors')}
        ${panel('hotspots', 'Hot spots', 'zones ranked by the visits that reached them; dwell time per visit (median and 90th percentile)')}
      </div>
      <h3>Mood per zone over time</h3>
      <div class="grid" id="zone-moods">${zoneList.length ? zoneList.map((z, i) => panel(`mood-${i}`, esc(z), `share of shopper sightings per ${by}`)).join('') : `<section class="panel">${empty('No zones set', 'Give your cameras a zone (entrance, checkout, electronics…) to compare areas of a store.')}</section>`}</div>`;
    if (hot.zones.length === 0) emptyIn('hotspots', 'No visits yet', noVisits);
    else
      chart(document.getElementById('hotspots')!, {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 10, right: 30, top: 36, bottom: 20, containLabel: true },
        xAxis: [
          { type: 'value', minInterval: 1, position: 'bottom' },
          { type: 'value', position: 'top', axisLabel: { formatter: (v: number) => seconds(v) } },
        ],
        yAxis: { type: 'category', inverse: true, data: hot.zones.map((z) => `${z.zone} (${z.kind})`) },
        series: [
          { name: 'Visits', type: 'bar', data: hot.zones.map((z) => z.visits) },
          {
            name: 'Dwell, median',
            type: 'scatter',
            xAxisIndex: 1,
            symbolSize: 12,
            data: hot.zones.map((z) => z.dwellP50S),
          },
          {
            name: 'Dwell, 90 %',
            type: 'scatter',
            xAxisIndex: 1,
            symbol: 'diamond',
            symbolSize: 12,
            data: hot.zones.map((z) => z.dwellP90S),
          },
        ],
      });
    const cams = perCamera.groups;
    if (cams.length === 0) emptyIn('activity', 'No activity yet', nothingSeen);
    else {
      const zoneOf = new Map(state.cameras.map((c) => [c.id, c.zone]));
      const names = cams.map(
        (c) => `${c.storeName} · ${c.cameraName}${zoneOf.get(c.cameraId!) ? ` (${zoneOf.get(c.cameraId!)})` : ''}`,
      );
      chart(document.getElementById('activity')!, {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 10, right: 30, top: 36, bottom: 20, containLabel: true },
        xAxis: { type: 'value', minInterval: 1 },
        yAxis: { type: 'category', data: names, inverse: true },
        series: [
          { name: 'Face sightings', type: 'bar', data: cams.map((c) => c.faces) },
          { name: 'Unique visitors', type: 'bar', data: cams.map((c) => c.visitors?.unique ?? 0) },
        ],
      });
    }
    await Promise.all(
      zoneList.map(async (zone, i) => {
        const q = new URLSearchParams(rangeQuery({ groupBy: by }));
        q.set('zone', zone);
        const s = await api<Summary>(`/v1/analytics/summary?${q}`);
        if (s.groups.length === 0) return emptyIn(`mood-${i}`, 'Nothing seen here', nothingSeen);
        const labels = Object.keys(EMOTION_COLORS).filter((e) => s.groups.some((g) => (g.emotions[e] ?? 0) > 0));
        chart(document.getElementById(`mood-${i}`)!, {
          tooltip: { trigger: 'axis', valueFormatter: (v) => `${v} %` },
          legend: { top: 0 },
          grid: { left: 45, right: 20, top: 36, bottom: 40 },
          xAxis: { type: 'category', data: s.groups.map(bucketLabel) },
          yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value} %' } },
          series: labels.map((e) => ({
            name: e,
            type: 'bar',
            stack: 'mood',
            color: EMOTION_COLORS[e],
            data: s.groups.map((g) => {
              const all = Object.values(g.emotions).reduce((a, b) => a + b, 0);
              return all ? Math.round((100 * (g.emotions[e] ?? 0)) / all) : 0;
            }),
          })),
        });
      }),
    );
  },

  async alerts(el) {
    const draw = async () => {
      const since = `${state.filters.from}T00:00:00Z`;
      const all = await api<Alert[]>(`/v1/alerts?since=${encodeURIComponent(since)}&limit=100`);
      const shown = all.filter((a) => !state.filters.storeId || a.store?.id === state.filters.storeId);
      el.innerHTML = `
        <h2 class="page">Live alerts <span class="live">live · updated ${new Date().toLocaleTimeString()}</span></h2>
        <section class="panel">
          ${
            shown.length === 0
              ? empty(
                  'No watchlist sightings',
                  'Nobody on your watchlist has been seen since the start of the date range. This page refreshes itself.',
                )
              : `<table class="list"><thead><tr><th>Frame</th><th>Who</th><th>Where</th><th>When</th><th>Match</th></tr></thead><tbody>
                ${shown
                  .map(
                    (a) => `<tr>
                    <td><a href="${esc(a.annotatedUrl)}" target="_blank" rel="noopener"><img class="thumb" src="${esc(a.annotatedUrl)}" alt="annotated frame"></a></td>
                    <td><b>${esc(a.identity.name)}</b> <span class="badge ${esc(a.identity.category)}">${esc(a.identity.category)}</span></td>
                    <td>${esc(a.store?.name ?? '–')} · ${esc(a.camera?.name ?? '–')}</td>
                    <td>${when(a.seenAt)}</td>
                    <td>${Math.round(a.similarity * 100)} %</td></tr>`,
                  )
                  .join('')}</tbody></table>`
          }
        </section>`;
    };
    await draw();
    // live: every watchlist sighting on the tenant's event stream redraws the list; without the stream, a poll
    const poll = () => (state.timer = window.setInterval(() => void draw().catch(() => undefined), 10_000));
    const stream = new AbortController();
    state.stream = stream;
    followEvents(['watchlist.sighted'], () => void draw().catch(() => undefined), stream.signal)
      .then(() => {
        if (!stream.signal.aborted) poll();
      })
      .catch(() => {
        if (!stream.signal.aborted) poll();
      });
  },

  async cameras(el) {
    const cams = state.cameras.filter(
      (c) =>
        (!state.filters.storeId || c.storeId === state.filters.storeId) &&
        (!state.filters.zone || c.zone === state.filters.zone),
    );
    const [latest, live] = await Promise.all([
      Promise.all(cams.map((c) => api<MediaSummary[]>(`/v1/media?cameraId=${c.id}&limit=1`))),
      Promise.all(
        cams.map((c) => (c.streamUrl ? api<CameraStatus>(`/v1/cameras/${c.id}/status`).catch(() => null) : null)),
      ),
    ]);
    const storeName = new Map(state.stores.map((s) => [s.id, s.name]));
    el.innerHTML = `
      <h2 class="page">Cameras</h2>
      <section class="panel">
        ${
          cams.length === 0
            ? empty('No cameras', 'Register cameras for your stores through the API to see them here.')
            : `<table class="list"><thead><tr><th>Store</th><th>Camera</th><th>Role</th><th>Zone</th><th>Frames per second</th><th>Last footage</th><th>Processing</th><th>Live stream</th></tr></thead><tbody>
            ${cams
              .map((c, i) => {
                const m = latest[i]![0];
                return `<tr><td>${esc(storeName.get(c.storeId))}</td><td><b>${esc(c.name)}</b></td><td>${esc(c.role)}</td><td>${esc(c.zone ?? '–')}</td>
                  <td>${c.fps}</td><td>${m ? when(m.capturedAt) : 'none yet'}</td>
                  <td>${m ? `<span class="badge ${esc(m.status)}">${esc(m.status)}</span>` : '–'}</td>
                  <td>${liveCell(c, live[i]!)}</td></tr>`;
              })
              .join('')}</tbody></table>`
        }
      </section>`;
  },

  async media(el) {
    const inScope = new Set(
      state.cameras
        .filter(
          (c) =>
            (!state.filters.storeId || c.storeId === state.filters.storeId) &&
            (!state.filters.zone || c.zone === state.filters.zone),
        )
        .map((c) => c.id),
    );
    const list = (await api<MediaSummary[]>('/v1/media?limit=50'))
      .filter((m) => m.cameraId && inScope.has(m.cameraId) && m.status === 'done')
      .slice(0, 12);
    const details = await Promise.all(list.map((m) => api<MediaDetail>(`/v1/media/${m.id}`)));
    const camName = new Map(state.cameras.map((c) => [c.id, c.name]));
    el.innerHTML = `
      <h2 class="page">Recent media</h2>
      ${
        details.length === 0
          ? `<section class="panel">${empty('No footage yet', 'Annotated frames of the latest uploads appear here once they are processed.')}</section>`
          : `<div class="media-grid">${details
              .map((d) => {
                const frame = d.frames.find((f) => f.faces.length > 0) ?? d.frames[0];
                const people = frame
                  ? frame.faces.map((f) => (f.identity ? f.identity.name : 'Unknown')).join(', ') || 'no faces'
                  : 'no frames';
                return `<article class="media-card">${frame ? `<a href="${esc(frame.annotatedUrl)}" target="_blank" rel="noopener"><img src="${esc(frame.annotatedUrl)}" alt="annotated frame" loading="lazy"></a>` : ''}
                  <div class="meta"><b>${esc(camName.get(d.cameraId ?? '') ?? 'camera')}</b> · ${when(d.capturedAt)}<br>
                  ${d.kind}, ${d.frames.length} frame(s) · ${esc(people)}</div></article>`;
              })
              .join('')}</div>`
      }`;
  },
};

/** A camera's live stream state: uploads only, or its state with the frame rate and the last frame's time. */
function liveCell(c: Camera, s: CameraStatus | null): string {
  if (!c.streamUrl) return '<span class="muted">uploads only</span>';
  if (!s) return '<span class="muted">status unavailable</span>';
  const detail = s.lastFrameAt ? `${s.fpsIn.toFixed(1)} fps · last frame ${when(s.lastFrameAt)}` : 'no frame yet';
  return `<span class="badge ${s.state === 'live' ? 'done' : s.state === 'failed' || s.state === 'offline' ? 'failed' : 'processing'}">${esc(s.state)}</span> <span class="muted">${esc(detail)}</span>`;
}

// ---- start ----

function start(): void {
  const today = isoDay(new Date());
  state.filters = { storeId: '', zone: '', from: addDays(today, -6), to: today };
  window.addEventListener('hashchange', () => {
    if (location.hash.startsWith('#key=')) return void takeKeyFromLink();
    if (session.get() && document.getElementById('page')) shell();
  });
  window.addEventListener('resize', () => state.charts.forEach((c) => c.resize()));
  if (location.hash.startsWith('#key=')) return void takeKeyFromLink();
  const key = session.get();
  if (key) void signIn(key);
  else signInPage();
}

/** `/#key=<api key>`: sign in directly, then take the key out of the address bar and the history. */
function takeKeyFromLink(): void {
  const key = decodeURIComponent(location.hash.slice('#key='.length));
  history.replaceState(null, '', `${location.pathname}#/overview`);
  void signIn(key);
}

start();
