import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { cosine } from '@storelens/inference';
import type { IdentityMatch } from './types';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.bmp', '.avif']);

export interface GalleryEntry {
  name: string;
  source: string;
  embedding: Float32Array;
}

/**
 * Default similarity at or above which a face is named. Chosen on the fixtures (see README "Recognition
 * threshold"): the lowest same-person pair scores well above it and the highest different-person pair well below.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.42;

/** Known people and their reference embeddings; open-set: below the threshold a face is unknown. */
export class Gallery {
  private readonly entries: GalleryEntry[] = [];

  constructor(readonly threshold = DEFAULT_MATCH_THRESHOLD) {}

  add(name: string, embedding: Float32Array, source = ''): void {
    this.entries.push({ name, embedding, source });
  }

  get size(): number {
    return this.entries.length;
  }

  get names(): string[] {
    return [...new Set(this.entries.map((e) => e.name))];
  }

  /** The most similar person (by their best-matching photo), or null when no one clears the threshold. */
  match(embedding: Float32Array): IdentityMatch | null {
    const best = this.nearest(embedding);
    return best && best.similarity >= this.threshold ? best : null;
  }

  nearest(embedding: Float32Array): IdentityMatch | null {
    let best: IdentityMatch | null = null;
    for (const e of this.entries) {
      const similarity = cosine(e.embedding, embedding);
      if (!best || similarity > best.similarity) best = { name: e.name, similarity };
    }
    return best;
  }
}

/** A gallery folder: one sub-folder of photos per person, the folder name being the person's name. */
export async function listGalleryFolder(dir: string): Promise<{ name: string; files: string[] }[]> {
  const people = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory());
  const out: { name: string; files: string[] }[] = [];
  for (const p of people.sort((a, b) => a.name.localeCompare(b.name))) {
    const files = (await readdir(path.join(dir, p.name)))
      .filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()))
      .sort()
      .map((f) => path.join(dir, p.name, f));
    if (files.length) out.push({ name: displayName(p.name), files });
  }
  return out;
}

/** "barack_obama" -> "Barack Obama"; a folder already named "Barack Obama" is kept as it is. */
export function displayName(folder: string): string {
  return folder
    .replace(/[_-]+/g, ' ')
    .trim()
    .split(/\s+/)
    .map((w) => (w === w.toLowerCase() ? w.charAt(0).toUpperCase() + w.slice(1) : w))
    .join(' ');
}

