import path from 'node:path';
import type { Command } from 'commander';
import {
  StoreLensClient,
  type Conversion,
  type Demographics,
  type Traffic,
  type Visit,
  type VisitsPage,
} from '@storelens/api-client';
import { config } from '@storelens/config';
import { printJson } from '../output';

/**
 * A store day built from the fixture photos, with a known truth: which people come in when, which zones they pass
 * and for how long, who reaches the till, which sales happen. It is uploaded through the public API as camera
 * frames with `capturedAt` times, so the whole pipeline runs on it (detection, embedding, attributes, naming,
 * tracks, visitors, visits) and the analytics must tell the day back. Used by the end-to-end test and by
 * `npm run demo`; `storelens store-day` runs it against any StoreLens.
 *
 * Each camera samples one frame every SAMPLE_S seconds; a person in view for n frames dwells n × SAMPLE_S seconds.
 * A frame shows one person: the same photo for the frames of one sighting (a still shopper), another photo of the
 * person at the next camera, so visitors are re-identified across cameras from different photos.
 */

/** Cameras sample one frame every this many seconds (fps 0.2). */
export const SAMPLE_S = 5;

type CameraKey = 'door' | 'aisle' | 'promo' | 'till';

export const STORE_DAY_CAMERAS: Record<
  CameraKey,
  { name: string; role: 'entrance' | 'floor' | 'promotion' | 'checkout'; zone: string }
> = {
  door: { name: 'Door', role: 'entrance', zone: 'entrance' },
  aisle: { name: 'Aisle 1', role: 'floor', zone: 'aisle 1' },
  promo: { name: 'Winter promo', role: 'promotion', zone: 'winter promo' },
  till: { name: 'Till', role: 'checkout', zone: 'checkout' },
};

type PersonKey = 'kit' | 'obama' | 'rose' | 'biden';

/** Who comes: two anonymous shoppers, a member and a member of staff (photos under fixtures/faces/<folder>/). */
export const STORE_DAY_PEOPLE: Record<
  PersonKey,
  {
    folder: string;
    gender: 'male' | 'female';
    enrol: { name: string; category: 'member' | 'staff'; externalRef?: string; photo: string } | null;
  }
> = {
  kit: { folder: 'kit_harington', gender: 'male', enrol: null },
  obama: { folder: 'barack_obama', gender: 'male', enrol: null },
  rose: {
    folder: 'rose_leslie',
    gender: 'female',
    enrol: {
      name: 'Rose (member)',
      category: 'member',
      externalRef: 'loyalty-0042',
      photo: 'knn_train_rose_leslie_img1.jpg',
    },
  },
  biden: { folder: 'joe_biden', gender: 'male', enrol: { name: 'Joe (staff)', category: 'staff', photo: 'biden.jpg' } },
};

/** One person in view of one camera from `at` (HH:MM:SS, store time) for `frames` frames, shown by `photo`. */
export interface Sighting {
  person: PersonKey;
  camera: CameraKey;
  at: string;
  frames: number;
  photo: string;
}

export const STORE_DAY_SIGHTINGS: Sighting[] = [
  { person: 'biden', camera: 'door', at: '08:58:00', frames: 2, photo: 'knn_train_biden2.jpg' },
  { person: 'kit', camera: 'door', at: '09:00:00', frames: 2, photo: 'knn_train_kit_harington_john1.jpeg' },
  { person: 'kit', camera: 'aisle', at: '09:02:00', frames: 6, photo: 'knn_train_kit_harington_john2.jpeg' },
  { person: 'biden', camera: 'aisle', at: '09:02:10', frames: 3, photo: 'knn_train_biden2.jpg' },
  { person: 'kit', camera: 'till', at: '09:05:00', frames: 3, photo: 'knn_train_kit_harington_john1.jpeg' },
  { person: 'rose', camera: 'door', at: '09:30:00', frames: 2, photo: 'knn_train_rose_leslie_img2.jpg' },
  { person: 'rose', camera: 'promo', at: '09:31:00', frames: 4, photo: 'knn_train_rose_leslie_img2.jpg' },
  { person: 'obama', camera: 'door', at: '10:10:00', frames: 2, photo: 'obama.jpg' },
  { person: 'obama', camera: 'aisle', at: '10:12:00', frames: 4, photo: 'obama2.jpg' },
  { person: 'obama', camera: 'till', at: '10:15:00', frames: 2, photo: 'obama3.jpg' },
  { person: 'kit', camera: 'door', at: '13:00:00', frames: 2, photo: 'knn_test_johnsnow_test1.jpg' },
];

/** Sales at the till: one while Kit is there (matched), one nobody can be matched to. */
export const STORE_DAY_SALES = [
  { at: '09:05:05', amount: 20, currency: 'EUR', externalRef: 'day-1' },
  { at: '15:00:00', amount: 7.5, currency: 'EUR', externalRef: 'day-2' },
];

/** The store's time zone: the sightings are in its clock. UTC keeps the truth's hours readable anywhere. */
export const STORE_DAY_TIMEZONE = 'UTC';

/** What the day must read back as (staff never count; Kit's second visit, after 4 h, is returning). */
export const STORE_DAY_TRUTH = {
  visits: 4,
  uniqueVisitors: 3,
  newVisitors: 2,
  returningVisitors: 1,
  members: 1,
  anonymous: 2,
  /** per visit, in start order: who, dwell per zone in seconds, converted, reached the till */
  byVisit: [
    { person: 'kit', zones: { entrance: 10, 'aisle 1': 30, checkout: 15 }, converted: true, reachedCheckout: true },
    { person: 'rose', zones: { entrance: 10, 'winter promo': 20 }, converted: false, reachedCheckout: false },
    { person: 'obama', zones: { entrance: 10, 'aisle 1': 20, checkout: 10 }, converted: false, reachedCheckout: true },
    { person: 'kit', zones: { entrance: 10 }, converted: false, reachedCheckout: false },
  ],
  conversion: { basis: 'transactions', visits: 4, converted: 1, transactions: 2, matchedTransactions: 1, revenue: 20 },
  /** visitors (people, not faces) by gender, as the photos show them */
  byGender: { male: 2, female: 1 },
} as const;

export interface StoreDayRun {
  storeId: string;
  /** the day (YYYY-MM-DD, UTC) the sightings were placed on */
  date: string;
  from: string;
  to: string;
  identities: Record<string, string>;
  frames: number;
  /** media that did not finish as done, with the reason */
  failed: { file: string; status: string; error: string | null }[];
}

/** ISO time of HH:MM:SS on `date` plus `plusS` seconds. */
function timeOn(date: string, hhmmss: string, plusS = 0): string {
  return new Date(Date.parse(`${date}T${hhmmss}Z`) + plusS * 1000).toISOString();
}

/**
 * Uploads the store day into a new store of the client's tenant and waits until the pipeline has finished every
 * frame. `date` defaults to yesterday (UTC), so the day is recent and inside the retention period.
 */
export async function runStoreDay(
  client: StoreLensClient,
  fixturesDir: string,
  opts: { date?: string; storeName?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<StoreDayRun> {
  const date = opts.date ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const photo = (person: PersonKey, file: string) =>
    path.join(fixturesDir, 'faces', STORE_DAY_PEOPLE[person].folder, file);
  const store = await client.createStore(opts.storeName ?? `Store day ${date}`, STORE_DAY_TIMEZONE);
  const cameras = {} as Record<CameraKey, string>;
  for (const [key, c] of Object.entries(STORE_DAY_CAMERAS) as [CameraKey, (typeof STORE_DAY_CAMERAS)[CameraKey]][]) {
    cameras[key] = (await client.createCamera(store.id, { ...c, fps: 1 / SAMPLE_S })).id;
  }
  const identities: Record<string, string> = {};
  const failed: StoreDayRun['failed'] = [];
  for (const [key, p] of Object.entries(STORE_DAY_PEOPLE) as [PersonKey, (typeof STORE_DAY_PEOPLE)[PersonKey]][]) {
    if (!p.enrol) continue;
    const { id } = await client.createIdentity({
      name: p.enrol.name,
      category: p.enrol.category,
      ...(p.enrol.externalRef ? { externalRef: p.enrol.externalRef } : {}),
    });
    identities[key] = id;
    const media = await client.waitForMedia((await client.enrolFace(id, photo(key, p.enrol.photo))).id);
    if (media.status !== 'done') failed.push({ file: p.enrol.photo, status: media.status, error: media.error });
  }

  const frames = STORE_DAY_SIGHTINGS.flatMap((s) =>
    Array.from({ length: s.frames }, (_, i) => ({
      camera: cameras[s.camera],
      file: photo(s.person, s.photo),
      capturedAt: timeOn(date, s.at, i * SAMPLE_S),
    })),
  );
  let done = 0;
  opts.onProgress?.(0, frames.length);
  // a few at a time: the order frames arrive in must not matter, and the pipeline decides them as they come
  const queue = [...frames];
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const { id } = await client.uploadMedia(f.camera, f.file, { capturedAt: f.capturedAt });
      const media = await client.waitForMedia(id, 600_000);
      if (media.status !== 'done') failed.push({ file: f.file, status: media.status, error: media.error });
      opts.onProgress?.(++done, frames.length);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));

  await client.request(
    'POST',
    `/v1/stores/${store.id}/transactions`,
    STORE_DAY_SALES.map((s) => ({ ...s, at: timeOn(date, s.at) })),
  );
  return {
    storeId: store.id,
    date,
    from: `${date}T00:00:00.000Z`,
    to: timeOn(date, '23:59:59', 1),
    identities,
    frames: frames.length,
    failed,
  };
}

/** What the analytics API says about a store day. */
export interface StoreDayReading {
  /** the day as one period */
  traffic: Traffic['groups'][number];
  visits: Visit[];
  conversion: Conversion;
  demographics: Demographics;
}

export async function readStoreDay(client: StoreLensClient, run: StoreDayRun): Promise<StoreDayReading> {
  const qs = `storeId=${run.storeId}&from=${encodeURIComponent(run.from)}&to=${encodeURIComponent(run.to)}`;
  const get = <T>(url: string) => client.request<T>('GET', url);
  const [traffic, visits, conversion, demographics] = await Promise.all([
    get<Traffic>(`/v1/analytics/traffic?${qs}&groupBy=none`),
    get<VisitsPage>(`/v1/visits?${qs}&limit=100`),
    get<Conversion>(`/v1/analytics/conversion?${qs}`),
    get<Demographics>(`/v1/analytics/demographics?${qs}`),
  ]);
  return { traffic: traffic.groups[0], visits: visits.items, conversion, demographics };
}

/** "zone 10s, …" in zone order, so truth and reading line up. */
function dwellText(zones: [string, number][]): string {
  return [...zones]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([z, s]) => `${z} ${s}s`)
    .join(', ');
}

/** Truth beside the reading, one row a figure (what the demo prints). */
export function storeDayRows(r: StoreDayReading): [string, string, string][] {
  const t = STORE_DAY_TRUTH;
  const rows: [string, string | number, string | number | undefined][] = [
    ['visits', t.visits, r.traffic?.visits],
    ['unique visitors', t.uniqueVisitors, r.traffic?.uniqueVisitors],
    [
      'new / returning',
      `${t.newVisitors} / ${t.returningVisitors}`,
      r.traffic && `${r.traffic.newVisitors} / ${r.traffic.returningVisitors}`,
    ],
    [
      'members / anonymous',
      `${t.members} / ${t.anonymous}`,
      r.traffic && `${r.traffic.members} / ${r.traffic.anonymous}`,
    ],
    ['converted visits', t.conversion.converted, r.conversion.converted],
    [
      'sales matched / sent',
      `${t.conversion.matchedTransactions} / ${t.conversion.transactions}`,
      `${r.conversion.matchedTransactions} / ${r.conversion.transactions}`,
    ],
    [
      'visitors male / female',
      `${t.byGender.male} / ${t.byGender.female}`,
      `${r.demographics.byGender.male ?? 0} / ${r.demographics.byGender.female ?? 0}`,
    ],
    ...t.byVisit.map((v, i): [string, string, string] => [
      `visit ${i + 1} (${v.person}) dwell`,
      dwellText(Object.entries(v.zones)),
      dwellText((r.visits[i]?.zones ?? []).map((z) => [z.zone, z.dwellS])),
    ]),
  ];
  return rows.map(([k, a, b]) => [k, String(a), b === undefined ? '-' : String(b)]);
}

export function addStoreDayCommand(program: Command): void {
  program
    .command('store-day')
    .description('upload a store day built from the fixture photos (known truth) through the API and print the truth')
    .requiredOption('--key <apiKey>', "the tenant's API key (use a tenant without enrolled people of its own)")
    .option('--base-url <url>', 'the StoreLens API', config().api.publicBaseUrl)
    .option('--date <YYYY-MM-DD>', 'the day to place the sightings on (default yesterday)')
    .action(async (o: { key: string; baseUrl: string; date?: string }) => {
      const client = new StoreLensClient(o.baseUrl).withKey(o.key);
      const run = await runStoreDay(client, path.join(config().assetsDir, 'fixtures'), { date: o.date });
      printJson({ run, truth: STORE_DAY_TRUTH, reading: await readStoreDay(client, run) });
    });
}
