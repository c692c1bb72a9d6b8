import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { config } from '@storelens/config';
import { videoFrames } from '@storelens/media';
import { FacePipeline } from '@storelens/pipeline';
import { DEFAULT_LINK_OPTIONS, linkTracks, type TrackFace } from '@storelens/tracking';
import { annotateJpeg, type RgbImage } from '@storelens/vision';
import { printJson } from '../output';

export interface TrackSummary {
  track: number;
  faces: number;
  fromMs: number;
  toMs: number;
}

/**
 * Tracks the faces of one video the way the platform does for a camera (the same linking function and settings),
 * without the platform: each face in consecutive sampled frames linked by position and embedding. With
 * `annotateDir`, every sampled frame is written with its boxes tagged by track number, to check by eye.
 */
export async function trackVideo(
  file: string,
  opts: { fps: number; annotateDir?: string },
): Promise<{ frames: number; tracks: TrackSummary[] }> {
  const cfg = config();
  const pipeline = await FacePipeline.create(cfg);
  const faces: TrackFace[] = [];
  const images: { index: number; image: RgbImage }[] = [];
  let frames = 0;
  for await (const frame of videoFrames(file, { fps: opts.fps })) {
    frames++;
    const found = await pipeline.embedFaces(frame.image);
    found.forEach((f, i) =>
      faces.push({
        faceId: `${frame.index}:${i}`,
        frameId: String(frame.index),
        at: frame.timeMs,
        mediaId: 'video',
        frameIndex: frame.index,
        faceIndex: i,
        box: { x: f.box.x, y: f.box.y, w: f.box.width, h: f.box.height },
        embedding: [...f.embedding],
      }),
    );
    if (opts.annotateDir) images.push({ index: frame.index, image: frame.image });
  }
  const tracks = linkTracks(faces, {
    ...DEFAULT_LINK_OPTIONS,
    intervalMs: 1000 / opts.fps,
    maxGapFrames: cfg.shoppers.trackMaxGapFrames,
    maxTrackMs: cfg.shoppers.trackMaxMs,
    strongSimilarity: cfg.shoppers.trackLinkSimilarity,
    weakSimilarity: cfg.shoppers.trackNearSimilarity,
  });
  const numberOf = new Map<string, number>();
  tracks.forEach((t, n) => t.faces.forEach((f) => numberOf.set(f.faceId, n + 1)));
  if (opts.annotateDir) {
    await mkdir(opts.annotateDir, { recursive: true });
    for (const { index, image } of images) {
      const labels = faces
        .filter((f) => f.frameIndex === index)
        .map((f) => ({
          box: { x: f.box.x, y: f.box.y, width: f.box.w, height: f.box.h },
          text: `track ${numberOf.get(f.faceId)}`,
          known: false,
        }));
      const name = `${path.basename(file).replace(/\.[^.]+$/, '')}-${String(index).padStart(4, '0')}.jpg`;
      await writeFile(path.join(opts.annotateDir, name), await annotateJpeg(image, labels));
    }
  }
  return {
    frames,
    tracks: tracks.map((t, n) => ({ track: n + 1, faces: t.faces.length, fromMs: t.startedAt, toMs: t.endedAt })),
  };
}

/** `storelens track <video>`: the tracks of one video, and optionally its frames tagged by track. */
export function addTrackCommand(program: Command): void {
  program
    .command('track <video>')
    .description('link the faces of a video into tracks (one per person on screen), as the platform does')
    .option('--fps <n>', 'frames sampled per second', '5')
    .option('--annotate <dir>', 'write each sampled frame with its boxes tagged by track')
    .option('--json', 'one JSON object')
    .action(async (video: string, o: { fps: string; annotate?: string; json?: boolean }) => {
      const result = await trackVideo(video, { fps: Number(o.fps), annotateDir: o.annotate });
      if (o.json) return printJson(result);
      process.stdout.write(`${result.frames} frames, ${result.tracks.length} tracks\n`);
      for (const t of result.tracks) {
        process.stdout.write(`track ${t.track}: ${t.faces} faces, ${t.fromMs} ms to ${t.toMs} ms\n`);
      }
    });
}
