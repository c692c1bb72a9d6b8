/**
 * The dashboard in real Chromium (Debian's /usr/bin/chromium through playwright-core) against the platform's real
 * processes (ingest, analytics and the gateway on their own ports) with a seeded chain: sign-in refused with a wrong
 * key, direct sign-in through a #key= link, every page rendering its charts from the data, filters changing the
 * numbers, no console errors. Screenshots of every page go to out/dashboard/.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { repoRoot } from '@storelens/config';
import { ManagedProcess, plan } from '@storelens/stack';
import { ObjectStore } from '@storelens/storage';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { fixtures } from '@storelens/testing';
import { Seeder, type FaceSpec } from '@storelens/services/analytics-testing';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const OUT = path.join(repoRoot(), 'out/dashboard');
// beside the platform suite's ports (E2E_BASE_PORT .. +6, replicas +100)
const BASE_PORT = Number(process.env.E2E_BASE_PORT ?? 18080) + 40;

jest.setTimeout(900_000);

describe('dashboard in Chromium (real gateway, ingest and analytics processes)', () => {
  let env: TestEnvironment;
  let objects: ObjectStore;
  let processes: ManagedProcess[] = [];
  let browser: Browser;
  let page: Page;
  let key: string;
  let baseUrl: string;
  const problems: string[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    env = await createTestEnvironment({
      name: 'dashboard-test',
      env: { ROLLUP_REFRESH_MS: '1000' },
    });
    objects = new ObjectStore(env.config.s3);
    await objects.ensureBucket();
    const seed = new Seeder(env.dataSource, objects);
    const tenant = await seed.tenant('Demo chain');
    key = tenant.apiKey;
    const t = tenant.tenantId;
    const berlin = await seed.store(t, 'Berlin Mitte', ['Entrance', 'Electronics']);
    const hamburg = await seed.store(t, 'Hamburg Hafen', ['Entrance']);
    ids.hamburg = hamburg.store.id;
    // zones, as a chain sets them
    await env.dataSource.query(`UPDATE cameras SET zone = 'entrance' WHERE name = 'Entrance'`);
    await env.dataSource.query(`UPDATE cameras SET zone = 'electronics', role = 'floor' WHERE name = 'Electronics'`);
    const alice = (await seed.identities.create(t, { name: 'Alice Member', category: 'member' })).id;
    const bob = (await seed.identities.create(t, { name: 'Bob Staff', category: 'staff' })).id;
    const eve = (await seed.identities.create(t, { name: 'Eve Watchlist', category: 'watchlist' })).id;
    const scene = await sharp(path.join(fixtures.dir(), 'scenes/two_people.jpg'))
      .resize(640, 480, { fit: 'cover' })
      .jpeg()
      .toBuffer();
    const emotions = ['happy', 'neutral', 'surprise', 'sad', 'happy', 'angry'];
    const visitors = Array.from({ length: 12 }, () => randomUUID());
    const now = Date.now();
    const cameras = [
      { storeId: berlin.store.id, cameraId: berlin.cameras[0]!.id, perHour: 4 },
      { storeId: berlin.store.id, cameraId: berlin.cameras[1]!.id, perHour: 3 },
      { storeId: hamburg.store.id, cameraId: hamburg.cameras[0]!.id, perHour: 2 },
    ];
    // the last two days, every third hour, each camera a frame with a few faces
    for (let h = 3; h <= 48; h += 3) {
      for (const [ci, cam] of cameras.entries()) {
        const faces: FaceSpec[] = Array.from({ length: cam.perHour }, (_, i) => ({
          box: [40 + 140 * i, 120, 110, 130],
          attributes: {
            age: 16 + ((h * 7 + i * 13) % 55),
            gender: (h + i) % 3 ? 'female' : 'male',
            emotion: emotions[(h + i + ci) % 6]!,
          },
          decision:
            i === 0 && h % 2
              ? { identityId: ci === 1 ? bob : alice, similarity: 0.62 }
              : { visitorId: visitors[(h + i * 5 + ci) % visitors.length]! },
        }));
        const seeded = await seed.mediaWith(
          t,
          {
            cameraId: cam.cameraId,
            storeId: cam.storeId,
            capturedAt: new Date(now - h * 3_600_000),
            status: 'done',
            frameCount: 1,
          },
          [{ index: 0, status: 'done', jpeg: { bytes: scene, width: 640, height: 480 }, faces }],
        );
        if (ci === 2 && h % 12 === 0)
          await seed.alerts.record(t, {
            faceId: seeded.faces[0]![cam.perHour - 1]!.id,
            identityId: eve,
            cameraId: cam.cameraId,
            similarity: 0.71,
            seenAt: seeded.media.capturedAt,
          });
        if (ci === 2 && h % 12 === 0)
          await seed.decide(t, seeded.faces[0]![cam.perHour - 1]!.id, { identityId: eve, similarity: 0.71 });
        // the shopper side, as classification leaves it: each frame's faces are one track of one visit of the
        // frame's first visitor (people come back: 12 visitors over many hours); every fourth Hamburg visit buys
        const visitor = visitors[(h + ci) % visitors.length]!;
        const visitId = randomUUID();
        const trackId = randomUUID();
        const at = seeded.media.capturedAt;
        await env.dataSource.query(
          `INSERT INTO visits (id, tenant_id, store_id, person_key, visitor_id, started_at, ended_at, track_count)
           VALUES ($1, $2, $3, $4, NULL, $5, $5::timestamptz + interval '4 minutes', 1)`,
          [visitId, t, cam.storeId, `v:${visitor}`, at],
        );
        await env.dataSource.query(
          `INSERT INTO tracks (id, tenant_id, store_id, camera_id, first_face_id, started_at, ended_at, interval_ms,
                               face_count, centroid, model_id, person_key, visit_id)
           VALUES ($1, $2, $3, $4, $5, $6, $6::timestamptz + interval '4 minutes', 1000, $7,
                   array_fill(0.1, ARRAY[128])::vector, 'test', $8, $9)`,
          [trackId, t, cam.storeId, cam.cameraId, seeded.faces[0]![0]!.id, at, cam.perHour, `v:${visitor}`, visitId],
        );
        await env.dataSource.query(`UPDATE faces SET track_id = $2 WHERE tenant_id = $1 AND id = ANY($3)`, [
          t,
          trackId,
          seeded.faces[0]!.map((f) => f.id),
        ]);
        if (ci === 2 && h % 4 === 0)
          await env.dataSource.query(
            `INSERT INTO transactions (tenant_id, store_id, at, amount, currency, checkout_camera_id)
             VALUES ($1, $2, $3, 24.90, 'EUR', $4)`,
            [t, cam.storeId, new Date(at.getTime() + 60_000), cam.cameraId],
          );
      }
    }
    // Hamburg's one camera is its checkout
    await env.dataSource.query(`UPDATE cameras SET role = 'checkout' WHERE id = $1`, [hamburg.cameras[0]!.id]);

    const logs = mkdtempSync(path.join(tmpdir(), 'dashboard-test-'));
    const specs = plan({ basePort: BASE_PORT, env: env.env }).filter((s) =>
      ['ingest', 'analytics', 'gateway'].includes(s.service),
    );
    processes = specs.map((s) => new ManagedProcess(s, path.join(logs, `${s.service}.log`)));
    // one after another: on a busy machine, services booting side by side each take longer than all in a row
    for (const p of processes) await p.start(240_000);
    baseUrl = `http://127.0.0.1:${BASE_PORT}`;

    mkdirSync(OUT, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      // leaving the live alerts page closes its event stream: the browser reports that request as aborted
      if (new URL(r.url()).pathname === '/v1/events' && r.failure()?.errorText === 'net::ERR_ABORTED') return;
      problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    // the console names no URL for a failed load: name it here (the favicon too, which no page script asks for)
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${new URL(r.url()).pathname}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(processes.map((p) => p.stop()));
    await objects?.removePrefix('t/').catch(() => undefined);
    await objects?.removeBucket().catch(() => undefined);
    objects?.close();
    await env?.close();
  });

  const api = async (p: string) =>
    (await fetch(`${baseUrl}${p}`, { headers: { Authorization: `Bearer ${key}` } })).json() as Promise<any>;
  const kpi = async (label: string) =>
    (
      await page
        .locator('.kpi')
        .filter({ has: page.locator('.label', { hasText: new RegExp(`^${label}$`) }) })
        .locator('.value')
        .innerText()
    ).replace(/[^\d]/g, '');
  const rangeFrom = () => new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
  const rangeTo = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const shot = (name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
  /** A chart has drawn when ECharts put its canvas in the panel. */
  const charted = (id: string) => page.waitForSelector(`#${id} canvas`, { timeout: 30_000 });

  it('refuses a wrong key with a kind message and keeps nothing', async () => {
    await page.goto(`${baseUrl}/`);
    await page.fill('#key', 'slk_000000000000_wrong');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    expect(await page.locator('.error').innerText()).toMatch(/not accepted/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot('signin-refused');
    // the refused request's 401 (the console's line and the response) is expected; nothing else
    expect(problems.filter((p) => /401/.test(p)).length).toBeGreaterThan(0);
    problems.splice(0, problems.length, ...problems.filter((p) => !/401/.test(p)));
  });

  it('signs in from a #key= link, drops the key from the address bar, and shows the overview', async () => {
    await page.goto(`${baseUrl}/#key=${encodeURIComponent(key)}`);
    await charted('traffic');
    await charted('split');
    expect(page.url()).toBe(`${baseUrl}/#/overview`);
    expect(await page.evaluate(() => sessionStorage.getItem('storelens.apiKey'))).toBe(key);
    expect(await page.evaluate(() => localStorage.length + document.cookie.length)).toBe(0);
    const today = new Date();
    const from = new Date(today.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(today.getTime() + 86_400_000).toISOString().slice(0, 10);
    const total = (await api(`/v1/analytics/summary?from=${from}&to=${to}`)).groups[0];
    expect(total.faces).toBeGreaterThan(100);
    expect(await kpi('Face sightings')).toBe(String(total.faces));
    expect(await kpi('Unique visitors')).toBe(String(total.visitors.unique));
    // people, not faces: visits, new vs returning, conversion and occupancy from the shopper API
    await charted('visits');
    await charted('conversion');
    const conv = await api(`/v1/analytics/conversion?from=${from}&to=${to}`);
    expect(conv.visits).toBe(16 * 3);
    expect(conv.basis).toBe('transactions');
    expect(await kpi('Visits')).toBe(String(conv.visits));
    expect(await kpi('Conversion')).toBe(String(Math.round(conv.rate * 1000))); // "20.8 %" -> 208
    expect(Number(await kpi('Returning visitors'))).toBeGreaterThan(0);
    expect(Number(await kpi('Occupancy peak'))).toBeGreaterThan(0);
    await shot('overview');
  });

  it('filters change the numbers (store, then zone)', async () => {
    const all = Number(await kpi('Face sightings'));
    await page.selectOption('select[name=storeId]', ids.hamburg!);
    await page.waitForFunction(
      (before) =>
        document.querySelector('#traffic canvas') &&
        document.querySelector('.kpi .value')?.textContent?.replace(/[^\d]/g, '') !== before,
      String(all),
    );
    const hamburg = Number(await kpi('Face sightings'));
    expect(hamburg).toBeGreaterThan(0);
    expect(hamburg).toBeLessThan(all);
    await page.waitForFunction(() => document.querySelector('#visits canvas'));
    expect(await kpi('Visits')).toBe('16'); // one visit per Hamburg frame
    await page.selectOption('select[name=storeId]', '');
    await page.waitForFunction(
      (v) => document.querySelector('.kpi .value')?.textContent?.replace(/[^\d]/g, '') === v,
      String(all),
    );
    await page.selectOption('select[name=zone]', 'electronics');
    await page.waitForFunction(
      (v) =>
        document.querySelector('#traffic canvas') &&
        document.querySelector('.kpi .value')?.textContent?.replace(/[^\d]/g, '') !== v,
      String(all),
    );
    const electronics = Number(await kpi('Face sightings'));
    expect(electronics).toBe(16 * 3); // 16 frames of 3 faces on the one electronics camera
    await page.selectOption('select[name=zone]', '');
    await page.waitForFunction(
      (v) => document.querySelector('.kpi .value')?.textContent?.replace(/[^\d]/g, '') === v,
      String(all),
    );
  });

  it('demographics: age band × gender, members vs anonymous, mood', async () => {
    await page.click('nav.tabs >> text=Demographics');
    for (const id of ['people', 'agegender', 'members', 'emotions']) await charted(id);
    expect(Number(await kpi('Shopper sightings'))).toBeGreaterThan(0);
    const people = await api(`/v1/analytics/demographics?from=${rangeFrom()}&to=${rangeTo()}`);
    expect(people.visitors).toBeGreaterThan(0);
    expect(await kpi('Visitors')).toBe(String(people.visitors));
    await shot('demographics');
  });

  it('zones: activity per camera and mood per zone over time', async () => {
    await page.click('nav.tabs >> text=Zones');
    await charted('activity');
    await charted('mood-0');
    await charted('mood-1');
    expect(await page.locator('.panel h3', { hasText: 'Hot spots' }).count()).toBe(1);
    await charted('hotspots');
    await shot('zones');
  });

  it('live alerts: the watchlist sightings with their annotated frames', async () => {
    await page.click('nav.tabs >> text=Live alerts');
    await page.waitForSelector('table.list tbody tr');
    expect(await page.locator('table.list tbody tr').count()).toBe(4);
    expect(await page.locator('table.list').innerText()).toContain('Eve Watchlist');
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('img.thumb')).every(
        (i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0,
      ),
    );
    await shot('alerts');
  });

  it('cameras: every camera with its store, zone and last footage', async () => {
    await page.click('nav.tabs >> text=Cameras');
    await page.waitForSelector('table.list tbody tr');
    expect(await page.locator('table.list tbody tr').count()).toBe(3);
    expect(await page.locator('table.list').innerText()).toContain('electronics');
    expect(await page.locator('table.list tbody tr', { hasText: 'uploads only' }).count()).toBe(3);
    await shot('cameras');
  });

  it('recent media: annotated frames load', async () => {
    await page.click('nav.tabs >> text=Recent media');
    await page.waitForSelector('.media-card img');
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('.media-card img')).every(
          (i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0,
        ),
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.locator('.media-card').count()).toBe(12);
    await shot('media');
  });

  it('saw no console errors, page errors or failed requests', () => {
    expect(problems.join('\n')).toBe('');
  });
});
