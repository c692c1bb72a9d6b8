import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import Table from 'cli-table3';
import { fromBuffer } from 'file-type';
import {
  FacePipeline,
  Gallery,
  faceLabel,
  readAhead,
  type FaceResult,
} from '@storelens/pipeline';
import { looksLikeVideo, probeVideo, videoFrames, VideoWriter } from '@storelens/media';
import { annotateJpeg, annotateRaw, ImageDecodeError, type RgbImage } from '@storelens/vision';
import { errorMessage, faceJson, printJson } from '../output';

export interface AnalyzeOptions {
  gallery?: Gallery;
  fps: number;
  json: boolean;
  annotate?: string;
}

/** Image files larger than this are refused before they are read (a video is streamed, so it has no such limit). */
const MAX_IMAGE_BYTES = 100 * 1024 * 1024;

interface FrameRow {
  file: string;
  frame: number;
  timeMs: number;
  faces: FaceResult[];
}

/** Decides between image and video by content, not by name: the extension only says which to try first. */
async function kindOf(file: string, head: Buffer): Promise<'image' | 'video' | 'unknown'> {
  const type = await fromBuffer(head);
  if (type?.mime.startsWith('image/')) return 'image';
  if (type?.mime.startsWith('video/')) return 'video';
  if (!type && looksLikeVideo(file)) return 'video';
  return type ? 'unknown' : 'image'; // unknown bytes go to the image decoder, which says exactly what is wrong
}

async function readHead(file: string): Promise<Buffer> {
  const fh = await (await import('node:fs/promises')).open(file, 'r');
  try {
    const buf = Buffer.alloc(4100);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function uniqueOut(dir: string, base: string, ext: string, used: Set<string>): string {
  let name = `${base}${ext}`;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}${ext}`;
  used.add(name);
  return path.join(dir, name);
}

/** An input as the loop takes it: a video to stream, or an image decoded and its faces. */
type Opened = { kind: 'video' } | { kind: 'image'; image: RgbImage; faces: FaceResult[] };

/**
 * Checks an input and, for an image, reads it, decodes it and shrinks it for the detector (`FacePipeline.ready`), and
 * finds its faces.
 */
async function openInput(file: string, pipeline: FacePipeline, gallery: AnalyzeOptions['gallery']): Promise<Opened> {
  const st = await stat(file);
  if (st.isDirectory()) throw new Error('is a directory');
  if (st.size === 0) throw new ImageDecodeError('empty', 'empty file');
  const kind = await kindOf(file, await readHead(file));
  if (kind === 'unknown') throw new Error('not a supported image or video');
  if (kind === 'video') return { kind };
  if (st.size > MAX_IMAGE_BYTES)
    throw new ImageDecodeError('too-large', `file is ${(st.size / 2 ** 20).toFixed(0)} MiB, over the image limit`);
  const { image, firstInput } = await pipeline.ready(await readFile(file));
  return { kind, image, faces: await pipeline.analyzeImage(image, gallery, undefined, { firstInput }) };
}

/** `storelens analyze`: returns the process exit code (non-zero only when no input could be processed). */
export async function analyzeCommand(inputs: string[], pipeline: FacePipeline, opts: AnalyzeOptions): Promise<number> {
  if (opts.annotate) await mkdir(opts.annotate, { recursive: true });
  const usedNames = new Set<string>();
  const rows: FrameRow[] = [];
  const errors: { file: string; error: string }[] = [];
  let processed = 0;
  const showBar = !opts.json && process.stderr.isTTY && inputs.length > 0;
  const bar = new SingleBar(
    { format: ' {bar} {value}/{total} {unit} | {file}', hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  if (showBar) bar.start(inputs.length, 0, { unit: 'inputs', file: '' });

  const emit = (row: FrameRow, width: number, height: number) => {
    if (opts.json)
      printJson({
        file: row.file,
        frame: row.frame,
        timeMs: row.timeMs,
        width,
        height,
        faces: row.faces.map(faceJson),
      });
    else rows.push(row);
  };
  const fail = (file: string, error: string) => {
    if (opts.json) printJson({ file, error });
    else errors.push({ file, error });
  };

  // The next images (READ_AHEAD of them) are read, decoded and shrunk for the detector (in libvips' threads) and
  // analysed while this one is written out: one image's crops are cut while the model thread runs another's models,
  // and the decoding overlaps both, so a folder of photos is not decoded and analysed in turn on one core.
  for await (const item of readAhead(inputs, (file) => openInput(file, pipeline, opts.gallery))) {
    const { input: file, index: i } = item;
    if (showBar) bar.update(i, { file: path.basename(file) });
    try {
      if ('error' in item) throw item.error;
      const opened = item.value;
      if (opened.kind === 'video') {
        const info = await probeVideo(file);
        const total = info.durationMs ? Math.max(1, Math.ceil((info.durationMs / 1000) * opts.fps)) : 0;
        if (showBar && total) bar.setTotal(inputs.length + total);
        let writer: VideoWriter | undefined;
        let frames = 0;
        for await (const frame of videoFrames(file, { fps: opts.fps })) {
          const faces = await pipeline.analyzeImage(frame.image, opts.gallery, undefined, { videoFrame: true });
          emit({ file, frame: frame.index, timeMs: frame.timeMs, faces }, frame.image.width, frame.image.height);
          if (opts.annotate) {
            writer ??= new VideoWriter(
              uniqueOut(opts.annotate, path.parse(file).name, '.annotated.mp4', usedNames),
              frame.image.width,
              frame.image.height,
              opts.fps,
            );
            await writer.write(await annotateRaw(frame.image, faces.map(faceLabel)));
          }
          frames++;
          if (showBar) bar.increment(1, { file: `${path.basename(file)} frame ${frame.index}` });
        }
        await writer?.close();
        if (frames > 0) processed++;
      } else {
        const { image: img, faces } = opened;
        if (opts.annotate) {
          await writeFile(
            uniqueOut(opts.annotate, path.parse(file).name, '.jpg', usedNames),
            await annotateJpeg(img, faces.map(faceLabel)),
          );
        }
        if (faces.length === 0) {
          fail(file, 'no face found');
        } else {
          emit({ file, frame: 0, timeMs: 0, faces }, img.width, img.height);
          processed++;
        }
      }
    } catch (err) {
      fail(file, errorMessage(err));
    }
  }
  if (showBar) bar.stop();
  if (!opts.json) printTable(rows, errors, opts.annotate);
  return processed > 0 || inputs.length === 0 ? 0 : 1;
}

function printTable(rows: FrameRow[], errors: { file: string; error: string }[], annotate?: string): void {
  const plain = !process.stdout.isTTY;
  const table = new Table({
    head: ['file', 'frame', 'time', 'face', 'who', 'similarity', 'gender', 'age', 'emotion', 'box'],
    style: plain ? { head: [], border: [] } : undefined,
  });
  for (const row of rows) {
    row.faces.forEach((f, i) =>
      table.push([
        path.basename(row.file),
        row.frame,
        `${(row.timeMs / 1000).toFixed(1)}s`,
        i + 1,
        f.identity?.name ?? 'Unknown',
        f.identity ? f.identity.similarity.toFixed(3) : '',
        `${f.gender.label} ${(f.gender.confidence * 100).toFixed(0)}%`,
        Math.round(f.age),
        `${f.emotion.label} ${(f.emotion.scores[f.emotion.label] * 100).toFixed(0)}%`,
        [f.box.x, f.box.y, f.box.width, f.box.height].map(Math.round).join(','),
      ]),
    );
    if (row.faces.length === 0)
      table.push([
        path.basename(row.file),
        row.frame,
        `${(row.timeMs / 1000).toFixed(1)}s`,
        '-',
        'no face',
        '',
        '',
        '',
        '',
        '',
      ]);
  }
  if (rows.length) console.log(table.toString());
  for (const e of errors) console.log(`${e.file}: ${e.error}`);
  if (annotate) console.log(`annotated output written to ${annotate}`);
}
