import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { OnnxSession } from '@storelens/inference';
import { FacePipeline, READ_AHEAD } from '@storelens/pipeline';
import { addBenchCommand } from './command';
import { fixturesDir } from './images';
import { registerBenchRow, registeredBenchRows } from './registry';
import { renderReport } from './report';
import { runBench, streamRounds } from './run-bench';
import type { BenchContext, BenchResult, BenchRow, PeerRow, PipelineRow, PlatformRow, RawModelsRow } from './types';

// Real models and real fixtures (../shared/fixtures): 2 + 1 + 2 faces.
const IMAGES = ['scenes/two_people.jpg', 'faces/barack_obama/obama_small.jpg', 'scenes/knn_test_kit_with_rose.jpg'];
const FACES = 5;

const silentStderr = { isTTY: false, write: () => true };

describe('bench, in process, on three fixtures', () => {
  let dir: string;
  let stdout = '';
  let stray: jest.SpyInstance;
  let strayCalls = 0;
  let readied: string[] = [];
  let result: BenchResult;
  const row = <T>(name: string) => result.rows.find((r) => r.name === name) as T;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'storelens-bench-'));
    // numbered so that the folder lists them in IMAGES order
    for (const [i, rel] of IMAGES.entries())
      await symlink(path.join(fixturesDir(), rel), path.join(dir, `${i}_${path.basename(rel)}`));
    const program = new Command().exitOverride();
    addBenchCommand(program, { stdout: (t) => (stdout += t), stdoutIsTty: false, stderr: silentStderr });
    stray = jest.spyOn(process.stdout, 'write');
    const ready = jest.spyOn(FacePipeline.prototype, 'ready');
    try {
      await program.parseAsync(['bench', '--json', '--repeat', '1', '--images', dir], { from: 'user' });
    } finally {
      strayCalls = stray.mock.calls.length;
      stray.mockRestore();
      readied = ready.mock.calls.map(([bytes]) => String(bytes.length));
      ready.mockRestore();
    }
    result = JSON.parse(stdout);
  });

  afterAll(async () => {
    await OnnxSession.closeAll();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints exactly one JSON object, and nothing else reaches stdout', () => {
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(strayCalls).toBe(0);
  });

  it('streams each timed pass behind an untimed lead-in of the same images, as a long run streams them', async () => {
    // one pass: a lead-in and a timed part, each as many rounds of the three images as hold READ_AHEAD images (two
    // rounds of three for six in flight: one round would be in flight whole before timing began), each image opened
    // (decoded and shrunk for the detector) once
    expect(streamRounds(IMAGES.length)).toBe(Math.ceil(READ_AHEAD / IMAGES.length));
    expect(streamRounds(15)).toBe(1);
    const sizes = await Promise.all(
      IMAGES.map(async (rel) => String((await readFile(path.join(fixturesDir(), rel))).length)),
    );
    expect(readied).toEqual(Array.from({ length: 2 * streamRounds(IMAGES.length) }, () => sizes).flat());
    // and the faces of one round are counted
    expect(row<PipelineRow>('pipeline').faces).toBe(FACES);
  });

  it('has the machine, the counts and the rows in order', () => {
    expect(result.machine).toEqual(
      expect.objectContaining({
        cpu: expect.any(String),
        cores: expect.any(Number),
        memGiB: expect.any(Number),
        node: process.version,
        onnxruntime: '1.30.0',
        os: expect.any(String),
      }),
    );
    expect(result.images).toBe(3);
    expect(result.faces).toBe(FACES);
    expect(result.rows.map((r) => [r.name, r.peer])).toEqual([
      ['pipeline', false],
      ['raw-models', false],
      ['platform', false],
      ['@vladmandic/human', true],
    ]);
  });

  it('runs the same images end to end through the platform and finds the same faces', () => {
    const platform = row<BenchRow>('platform');
    expect(platform.faces).toBe(row<PipelineRow>('pipeline').faces);
    expect(platform.processes).toBe(8);
  });

  it("says where the platform's time goes: handler time per queue and job from the services' /metrics", () => {
    const platform = row<PlatformRow>('platform');
    const pipeline = row<PipelineRow>('pipeline');
    expect(platform.repeat).toBe(1);
    // one frame per image, every face goes through three workers; the warm-up upload ran before the first scrape
    const frames = result.images * platform.repeat;
    const faces = pipeline.faces * platform.repeat;
    expect(platform.stages.map((s) => [s.queue, s.job, s.service, s.jobs])).toEqual([
      ['ingest', 'ingest-media', 'ingest-worker', frames],
      ['detection', 'detect-faces', 'detection', frames],
      ['embedding', 'embed-face', 'embedding', faces],
      ['attribute', 'describe-face', 'attribute', faces],
      ['classification', 'classify-face', 'classification', faces],
    ]);
    for (const s of platform.stages) {
      expect(s.outcomes).toEqual({ done: s.jobs }); // no retry, skip or failure in a clean run
      expect(s.msPerJob).toBeGreaterThan(0);
      expect(s.totalMs / s.jobs).toBeCloseTo(s.msPerJob, 1);
      // one process per service, one job at a time, all inside the timed pass
      expect(s.shareOfWall).toBeGreaterThan(0);
      expect(s.shareOfWall).toBeLessThanOrEqual(1.01);
      expect(s.totalMs / platform.wallMs).toBeCloseTo(s.shareOfWall, 2);
      // one job name per service, so each stage gets its process's CPU per job
      expect(s.cpuMsPerJob).toBeGreaterThan(0);
    }
    expect(platform.wallMs).toBeCloseTo(platform.msPerImage * result.images, 0); // one pass: the timed one

    const stage = (job: string) => platform.stages.find((s) => s.job === job)!;
    expect(stage('classify-face').inProcess).toBeNull(); // the pipeline row has no gallery to search
    const perImage = (...names: string[]) =>
      pipeline.stages.filter((s) => names.includes(s.stage)).reduce((a, s) => a + s.msPerImage, 0);
    expect(stage('ingest-media').inProcess!.msPerJob).toBeCloseTo(perImage('decode'), 1);
    expect(stage('detect-faces').inProcess!.msPerJob).toBeCloseTo(perImage('decode', 'detect'), 1);
    expect(stage('embed-face').inProcess!.msPerJob).toBeCloseTo((perImage('alignEmbed') * result.images) / FACES, 1);
    for (const job of ['detect-faces', 'embed-face', 'describe-face']) {
      const own = stage(job).inProcess!;
      expect(own.msPerJob).toBeGreaterThan(0);
      expect(own.modelMsPerJob).toBeGreaterThan(0);
      // the platform runs the same models on the same pixels: its handler cannot be many times faster (catches s vs
      // ms; not closer, the two rows are timed minutes apart on a machine that other suites share)
      expect(stage(job).msPerJob).toBeGreaterThan(0.05 * own.modelMsPerJob);
    }
    expect(platform.note).toContain('detect-faces');
  });

  it('times each media from upload to done, and the CPU each process used', () => {
    const platform = row<PlatformRow>('platform');
    const media = result.images * platform.repeat;
    for (const l of [platform.latencyMs, platform.uploadMs]) {
      expect(l.samples).toBe(media);
      expect(l.p50).toBeGreaterThan(0);
      expect(l.p95).toBeGreaterThanOrEqual(l.p50);
      expect(l.max).toBeGreaterThanOrEqual(l.p95);
      expect(l.max).toBeLessThanOrEqual(platform.wallMs + 0.01); // every media is done inside its pass
    }
    expect(platform.uploadMs.max).toBeLessThanOrEqual(platform.latencyMs.max);
    // the upload alone cannot reach done: ingest, detection, embedding, attribute and classification follow it
    expect(platform.latencyMs.p50).toBeGreaterThan(platform.uploadMs.p50);
    expect(platform.cpu.map((c) => c.process)).toEqual([
      'ingest',
      'ingest-worker',
      'analytics',
      'detection',
      'embedding',
      'attribute',
      'classification',
      'postgres',
      'redis',
      's3 endpoint',
      'gateway',
      'bench client',
      'kernel softirq',
    ]);
    for (const c of platform.cpu) {
      expect(c.ms).toBeGreaterThanOrEqual(0);
      expect(c.shareOfMachine).toBeLessThanOrEqual(1);
    }
    expect(platform.cpu.find((c) => c.process === 'detection')!.ms).toBeGreaterThan(0);
    // every face is written to Postgres and every frame to the S3 endpoint: neither can have been idle
    expect(platform.cpu.find((c) => c.process === 'postgres')!.ms).toBeGreaterThan(0);
    expect(platform.cpu.find((c) => c.process === 's3 endpoint')!.ms).toBeGreaterThan(0);
    expect(platform.machineBusy).toBeGreaterThan(0);
    expect(platform.machineBusy).toBeLessThanOrEqual(1);
    // the machine's busy time includes every process measured here
    const ours = platform.cpu.reduce((a, c) => a + c.shareOfMachine, 0);
    expect(platform.machineBusy).toBeGreaterThan(ours * 0.9);
    // every worker's resident memory, after the warm-up and at the end
    expect(platform.rss.map((r) => r.service)).toEqual(platform.cpu.slice(0, 7).map((c) => c.process));
    for (const r of platform.rss) {
      expect(r.startMiB).toBeGreaterThan(20);
      expect(r.endMiB).toBeGreaterThan(20);
      expect(r.afterPassesMiB).toBe(r.endMiB); // no soak here: the end is the reading after the passes
      // the V8 heap and the buffers are parts of the resident memory
      for (const part of [r.heapUsedMiB, r.externalMiB]) {
        expect(part.start).toBeGreaterThan(0);
        expect(part.start).toBeLessThan(r.startMiB!);
        expect(part.end).toBeLessThan(r.endMiB!);
      }
    }
    expect(platform.soak).toEqual({ minutes: 0, media: 0 });
  });

  it('replays the model inputs of every face the pipeline found', () => {
    const raw = row<RawModelsRow>('raw-models');
    expect(raw.faces).toBe(row<PipelineRow>('pipeline').faces);
    expect(raw.models.embedder.calls).toBe(FACES); // the embedder's graph takes one face per call
    for (const m of ['embedder', 'ageGender', 'emotion'] as const) {
      expect(Number.isInteger(raw.models[m].rowsPerFace)).toBe(true);
      expect(raw.models[m].rowsPerFace).toBeGreaterThanOrEqual(1);
    }
    expect(raw.models.detector.rowsPerFace).toBeNull();
    // two_people (1126x661) is large, but its first pass leaves no reason for the 1280-px pass (two sure faces,
    // none small, no doubtful candidate); the others fit in one 640 input
    expect(raw.perImage.map((p) => p.detectorInputs.length)).toEqual([1, 1, 1]);
    expect(raw.models.detector.calls).toBe(3);
  });

  it('gives positive rates, and the pipeline is slower than its models alone', () => {
    for (const r of result.rows) {
      expect(r.imagesPerSec).toBeGreaterThan(0);
      expect(r.facesPerSec).toBeGreaterThan(0);
      // both from one timing (each rounded to 0.01, which at a slow rate is a few per cent of images/s)
      expect((r.msPerImage * r.imagesPerSec) / 1000).toBeCloseTo(1, 1);
      expect(r.ratioToPipeline).toBeGreaterThan(0);
    }
    const pipeline = row<PipelineRow>('pipeline');
    const raw = row<RawModelsRow>('raw-models');
    expect(pipeline.ratioToPipeline).toBe(1);
    expect(pipeline.msPerImage).toBeGreaterThan(raw.msPerImage);
    expect(raw.pipelineOverRaw).toBeGreaterThan(1);
  });

  it('splits the pipeline, one image at a time, into stages that add up, each at least its model time', () => {
    const pipeline = row<PipelineRow>('pipeline');
    const stages = Object.fromEntries(pipeline.stages.map((s) => [s.stage, s]));
    expect(Object.keys(stages)).toEqual(['decode', 'detect', 'alignEmbed', 'attributes', 'match', 'other']);
    const total = pipeline.stages.reduce((a, s) => a + s.msPerImage, 0);
    // the stages split the passes that take one image at a time; the row's own figures are a separate, streamed pass
    expect(total).toBeCloseTo(pipeline.oneAtATime.msPerImage, 0);
    expect((pipeline.oneAtATime.msPerImage * pipeline.oneAtATime.imagesPerSec) / 1000).toBeCloseTo(1, 1);
    expect(pipeline.oneAtATime.msPerImage).toBeGreaterThan(row<RawModelsRow>('raw-models').msPerImage);
    for (const s of ['detect', 'alignEmbed', 'attributes']) {
      expect(stages[s].modelMsPerImage).toBeGreaterThan(0);
      expect(stages[s].msPerImage).toBeGreaterThan(stages[s].modelMsPerImage * 0.9); // same work, timed apart
    }
    expect(stages.decode.modelMsPerImage).toBe(0);
  });

  it('measures the peer on the same images and compares face counts', () => {
    const peer = row<PeerRow>('@vladmandic/human');
    expect(peer.pipelineFaces).toBe(FACES);
    expect(peer.faces).toBeGreaterThan(0);
    expect(peer.perImage.map((p) => p.faces)).toEqual([2, 1, 2]);
    expect(peer.backend).toBe('wasm');
  });

  it('times every model on a 640x480 frame next to INFRA.md', () => {
    const ref = row<RawModelsRow>('raw-models').reference640x480;
    expect(ref.map((r) => [r.model, r.input])).toEqual([
      ['detector', '1x3x480x640'],
      ['embedder', '1x3x112x112'],
      ['ageGender', '1x112x112x3'],
      ['emotion', '1x112x112x3'],
    ]);
    expect(ref.map((r) => r.infraMs2Threads)).toEqual([7.1, 2.9, 1.1, 1.0]);
    for (const r of ref) {
      expect(r.measuredMs1Thread).toBeGreaterThan(0);
      expect(r.measuredMs2Threads).toBeGreaterThan(0);
    }
  });

  it('renders the same result as readable tables', () => {
    const text = renderReport(result);
    expect(text).not.toContain('\u001b['); // no colour codes unless asked
    for (const s of [
      'images/s',
      'faces/s',
      'ms/image',
      'ms/face',
      'raw-models',
      '@vladmandic/human (peer)',
      'align + embed',
      'total, one image at a time',
      'streamed, the next images decoded and analysed while this one is',
      'INFRA.md 2 threads',
      '7.10',
      'Where the platform spends its time',
      'detection / detect-faces',
      'of wall',
      'CPU ms/job',
      'upload to done',
    ]) {
      expect(text).toContain(s);
    }
  });

  it('adds a registered row (the platform hook) before the peer, with the same images', async () => {
    let seen: BenchContext | undefined;
    const unregister = registerBenchRow(async (ctx) => {
      seen = ctx;
      return {
        name: 'platform',
        peer: false,
        imagesPerSec: 5,
        facesPerSec: 10,
        msPerImage: 200,
        msPerFace: 100,
        faces: ctx.pipelineFaces,
      };
    });
    const skipped = registerBenchRow(async () => null); // e.g. services not running
    try {
      const files = IMAGES.slice(0, 2).map((rel) => path.join(fixturesDir(), rel));
      const r = await runBench({ repeat: 1, peer: false, images: await imagesOf(files) });
      expect(r.rows.map((x) => x.name)).toEqual(['pipeline', 'raw-models', 'platform']);
      expect(seen).toEqual({ files, repeat: 1, pipelineFaces: 3, pipelineStages: (r.rows[0] as PipelineRow).stages });
      const platform = r.rows[2];
      expect(platform.ratioToPipeline).toBeCloseTo(200 / r.rows[0].msPerImage, 2);
      // a row without the platform's breakdown renders without its table
      expect(renderReport(r)).not.toContain('Where the platform spends its time');
    } finally {
      unregister();
      skipped();
    }
    expect(registeredBenchRows()).toHaveLength(0);
  });
});

async function imagesOf(files: string[]) {
  return Promise.all(files.map(async (file) => ({ file, name: path.basename(file), bytes: await readFile(file) })));
}
