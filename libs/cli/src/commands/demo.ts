import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import Table from 'cli-table3';
import { config } from '@storelens/config';
import { createDataSource, runMigrations, TenantRepository } from '@storelens/db';
import { displayName } from '@storelens/pipeline';
import { Presets, SingleBar } from 'cli-progress';
import { runLiveDemo } from './live-demo';
import { readStoreDay, runStoreDay, storeDayRows } from './store-day';
import { StoreLensClient, type Media } from '@storelens/api-client';

/** The demo's photos and video: the shared fixtures ($STORELENS_ASSETS/fixtures), read in place. */
const fixturesDir = () => path.join(config().assetsDir, 'fixtures');
const fixture = (rel: string) => path.join(fixturesDir(), rel);

/** Who the demo enrols, and as what. obama3.jpg and biden.jpg are the halves of two_people.jpg: kept out. */
const PEOPLE: { folder: string; category: 'member' | 'staff' | 'watchlist'; externalRef?: string }[] = [
  { folder: 'barack_obama', category: 'member', externalRef: 'loyalty-0001' },
  { folder: 'joe_biden', category: 'member', externalRef: 'loyalty-0002' },
  { folder: 'lin_manuel_miranda', category: 'member', externalRef: 'loyalty-0003' },
  { folder: 'alex_lacamoire', category: 'staff' },
  { folder: 'kit_harington', category: 'staff' },
  { folder: 'rose_leslie', category: 'watchlist' },
];
const KEEP_OUT = new Set(['obama3.jpg', 'biden.jpg']);
const PHOTOS_PER_PERSON = 2;

const log = (s: string) => process.stderr.write(`${s}\n`);

async function createDemoTenant(what = 'Demo chain'): Promise<string> {
  const ds = createDataSource(config().database.url, { poolSize: 1 });
  await ds.initialize();
  try {
    await runMigrations(ds);
    const tenants = new TenantRepository(ds);
    const t = await tenants.create(`${what} ${new Date().toISOString()}`);
    return (await tenants.issueApiKey(t.id, 'demo')).key;
  } finally {
    await ds.destroy();
  }
}

function mediaTable(name: string, m: Media): string {
  const t = new Table({
    head: ['frame', 'time', 'who', 'similarity', 'gender', 'age', 'emotion'],
    style: { head: [], border: [] },
  });
  for (const f of m.frames)
    for (const face of f.faces)
      t.push([
        f.index,
        `${(f.timeMs / 1000).toFixed(1)}s`,
        face.identity
          ? `${face.identity.name} (${face.identity.category})`
          : `Unknown (visitor ${face.visitorId?.slice(0, 8) ?? '-'})`,
        face.identity?.similarity?.toFixed(3) ?? '',
        face.gender
          ? `${face.gender.label}${face.gender.confidence === null ? '' : ` ${(face.gender.confidence * 100).toFixed(0)}%`}`
          : '',
        face.age === null ? '' : Math.round(face.age),
        face.emotion?.label ?? '',
      ]);
  const head = `${name}: ${m.status}${m.error ? ` (${m.error})` : ''}, ${m.frames.length} frame(s), ${m.frames.reduce((n, f) => n + f.faces.length, 0)} face(s)`;
  return `${head}\n${t.toString()}`;
}

/** `storelens demo`: the main job through the running platform's public API. */
export async function runDemo(baseUrl: string, outDir: string, liveSeconds = 90): Promise<void> {
  const apiKey = await createDemoTenant();
  const client = new StoreLensClient(baseUrl).withKey(apiKey);
  const store = await client.createStore('Demo Store Berlin');
  const entrance = await client.createCamera(store.id, { name: 'Entrance', role: 'entrance', fps: 2 });
  const floor = await client.createCamera(store.id, { name: 'Shop floor', role: 'floor', fps: 2 });
  log(`tenant, store ${store.id}, cameras Entrance ${entrance.id} and Shop floor ${floor.id}`);

  for (const p of PEOPLE) {
    const dir = path.join(fixturesDir(), 'faces', p.folder);
    const photos = (await readdir(dir))
      .filter((f) => !KEEP_OUT.has(f) && !f.includes('partial'))
      .sort()
      .slice(0, PHOTOS_PER_PERSON);
    const name = displayName(p.folder).replace('Lin Manuel', 'Lin-Manuel');
    const { id } = await client.createIdentity({ name, category: p.category, externalRef: p.externalRef });
    const results = await Promise.all(
      photos.map(async (f) => client.waitForMedia((await client.enrolFace(id, path.join(dir, f))).id)),
    );
    log(
      `enrolled ${name} (${p.category}) from ${results.filter((r) => r.status === 'done').length}/${photos.length} photos`,
    );
  }

  const uploads: { name: string; camera: string; file: string }[] = [
    { name: 'scenes/two_people.jpg', camera: entrance.id, file: fixture('scenes/two_people.jpg') },
    {
      name: 'scenes/knn_test_obama_and_biden.jpg',
      camera: entrance.id,
      file: fixture('scenes/knn_test_obama_and_biden.jpg'),
    },
    {
      name: 'scenes/knn_test_kit_with_rose.jpg',
      camera: entrance.id,
      file: fixture('scenes/knn_test_kit_with_rose.jpg'),
    },
    { name: 'video/hamilton_clip.mp4', camera: floor.id, file: fixture('video/hamilton_clip.mp4') },
  ];
  const started = Date.now();
  const sent = await Promise.all(
    uploads.map(async (u) => ({ ...u, id: (await client.uploadMedia(u.camera, u.file)).id })),
  );
  log(`uploaded ${sent.length} media; waiting for the pipeline…`);
  const results = await Promise.all(sent.map(async (u) => ({ ...u, media: await client.waitForMedia(u.id, 600_000) })));
  log(`processed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  await mkdir(outDir, { recursive: true });
  for (const r of results) {
    console.log(mediaTable(r.name, r.media));
    // save the annotated frames that have faces (all of an image, a few of the video) to look at
    const frames = r.media.frames.filter((f) => f.faces.length > 0).slice(0, r.media.kind === 'video' ? 4 : 1);
    for (const f of frames) {
      const res = await fetch(f.annotatedUrl);
      if (res.ok) {
        const file = path.join(outDir, `${path.parse(r.name).name}-frame${String(f.index).padStart(3, '0')}.jpg`);
        await writeFile(file, Buffer.from(await res.arrayBuffer()));
      }
    }
    console.log(`annotated: ${frames[0]?.annotatedUrl ?? '(no faces)'}\n`);
  }

  const summary = await client.summary({ groupBy: 'camera' });
  console.log(`summary by camera: ${JSON.stringify(summary, null, 2)}\n`);
  const alerts = await client.alerts();
  console.log(`watchlist alerts: ${JSON.stringify(alerts, null, 2)}\n`);
  // a small store day with a known truth, in a tenant of its own (the demo tenant's enrolments would name its people)
  const dayKey = await createDemoTenant('Demo store day');
  const day = new StoreLensClient(baseUrl).withKey(dayKey);
  const dayStarted = Date.now();
  const bar = new SingleBar(
    { format: 'store day {bar} {value}/{total} frames', hideCursor: true },
    Presets.shades_classic,
  );
  const run = await runStoreDay(day, fixturesDir(), {
    onProgress: (done, total) => (done === 0 ? bar.start(total, 0) : bar.update(done)),
  }).finally(() => bar.stop());
  const dayTable = new Table({
    head: ['store day ' + run.date, 'truth', 'StoreLens'],
    style: { head: [], border: [] },
  });
  dayTable.push(...storeDayRows(await readStoreDay(day, run)));
  console.log(
    `${dayTable.toString()}\n${run.frames} frames from the fixture photos in ${((Date.now() - dayStarted) / 1000).toFixed(0)} s` +
      (run.failed.length ? `; not done: ${JSON.stringify(run.failed)}` : '') +
      '\n',
  );

  if (liveSeconds > 0) await runLiveDemo(client, apiKey, store.id, liveSeconds);
  console.log(`Annotated frames saved in ${outDir}`);
  console.log(`API docs: ${baseUrl}/docs/ingest and ${baseUrl}/docs/analytics`);
  console.log('Stop everything with: npm run stack:down');
  // last, so it is what a reader sees: the link signs in directly (the #fragment never reaches a server or a log)
  console.log(`\nDashboard: ${baseUrl}/  (sign in with the API key ${apiKey})`);
  console.log(`Open signed in: ${baseUrl}/#key=${encodeURIComponent(apiKey)}`);
  console.log(`The store day's tenant: ${baseUrl}/#key=${encodeURIComponent(dayKey)}`);
}

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('enrol the fixture people and send the fixture scenes and video through the running platform')
    .option('--base-url <url>', 'the StoreLens API', config().api.publicBaseUrl)
    .option('--out <dir>', 'where annotated frames are saved', path.join(config().root, 'out', 'demo'))
    .option('--live-seconds <n>', 'how long the live camera part runs (0 skips it)', '90')
    .action(async (o: { baseUrl: string; out: string; liveSeconds: string }) =>
      runDemo(o.baseUrl, o.out, Number(o.liveSeconds)),
    );
}
