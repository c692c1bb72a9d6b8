import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { fixtures } from './fixtures';
import { blankGreyPng } from '@storelens/vision';

/** Paths of files that every entry point (CLI, upload API) must refuse, each for its own reason. */
export interface BadInputs {
  /** a file of zero bytes, named .jpg */
  empty: string;
  /** the first third of a fixture JPEG */
  truncated: string;
  /** a text file named .jpg */
  text: string;
  /** a 20000x20000 PNG: small on disk, over the 50-megapixel limit */
  huge: string;
  /** an MP4 with one second of sound and no video stream */
  audio: string;
  /** a plain 320x240 PNG with no face in it */
  faceless: string;
  /** a path in the folder where there is no file */
  missing: string;
}

export interface OversizedInput {
  /** a real JPEG followed by `maxUploadBytes` random bytes: a readable image, refused for its size alone */
  oversized: string;
}

/** The fixture photo the truncated file and the oversized file are cut from or start with. */
const PHOTO = 'faces/barack_obama/obama.jpg';

/**
 * Writes the bad inputs into `dir` (made if missing) and returns their paths, in a fixed order. With
 * `maxUploadBytes` it also writes a file just over that limit.
 */
export async function writeBadInputs(dir: string): Promise<BadInputs>;
export async function writeBadInputs(
  dir: string,
  options: { maxUploadBytes: number },
): Promise<BadInputs & OversizedInput>;
export async function writeBadInputs(
  dir: string,
  { maxUploadBytes }: { maxUploadBytes?: number } = {},
): Promise<BadInputs | (BadInputs & OversizedInput)> {
  await mkdir(dir, { recursive: true });
  const at = (name: string) => path.join(dir, name);
  const photo = await readFile(fixtures.file(PHOTO));
  const bad: BadInputs = {
    empty: at('empty.jpg'),
    truncated: at('truncated.jpg'),
    text: at('notes.jpg'),
    huge: at('huge.png'),
    audio: at('audio-only.mp4'),
    faceless: at('wall.png'),
    missing: at('does-not-exist.jpg'),
  };
  await writeFile(bad.empty, '');
  await writeFile(bad.truncated, photo.subarray(0, Math.floor(photo.length / 3)));
  await writeFile(bad.text, 'this is a text file with a photo extension\n');
  await writeFile(bad.huge, await blankGreyPng(20000, 20000));
  await promisify(execFile)('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:duration=1',
    '-c:a',
    'aac',
    '-y',
    bad.audio,
  ]);
  await sharp({ create: { width: 320, height: 240, channels: 3, background: '#8899aa' } })
    .png()
    .toFile(bad.faceless);
  if (maxUploadBytes === undefined) return bad;
  const oversized = at('big.jpg');
  await writeFile(oversized, Buffer.concat([photo, randomBytes(maxUploadBytes)]));
  return { ...bad, oversized };
}
