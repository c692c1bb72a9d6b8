import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { bestPerIdentity, cosine, DEFAULT_RULE, identify, type NamingRule } from '@storelens/decision';
import { isImageFile } from '@storelens/vision';
import type { IdentityMatch } from './types';


export interface GalleryEntry {
  name: string;
  source: string;
  embedding: Float32Array;
}

/**
 * Known people and their reference embeddings, decided by the platform's one rule (@storelens/decision): named
 * when the best person reaches the threshold and beats the next person by the margin, else unknown.
 */
export class Gallery {
  private readonly entries: GalleryEntry[] = [];

  constructor(readonly rule: NamingRule = DEFAULT_RULE) {}

  add(name: string, embedding: Float32Array, source = ''): void {
    this.entries.push({ name, embedding, source });
  }

  get size(): number {
    return this.entries.length;
  }

  get names(): string[] {
    return [...new Set(this.entries.map((e) => e.name))];
  }

  /** The person the face is, by the platform's rule, or null (unknown). */
  match(embedding: Float32Array): IdentityMatch | null {
    const { named } = identify(this.neighbours(embedding), this.rule);
    return named && { name: named.identityId, similarity: named.similarity };
  }

  /** The most similar person (by their best-matching photo), whether or not the rule names them. */
  nearest(embedding: Float32Array): IdentityMatch | null {
    const [best] = bestPerIdentity(this.neighbours(embedding));
    return best ? { name: best.identityId, similarity: best.similarity } : null;
  }

  private neighbours(embedding: Float32Array): { identityId: string; similarity: number }[] {
    return this.entries.map((e) => ({ identityId: e.name, similarity: cosine(e.embedding, embedding) }));
  }
}

/** A gallery folder: one sub-folder of photos per person, the folder name being the person's name. */
export async function listGalleryFolder(dir: string): Promise<{ name: string; files: string[] }[]> {
  const people = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory());
  const out: { name: string; files: string[] }[] = [];
  for (const p of people.sort((a, b) => a.name.localeCompare(b.name))) {
    const files = (await readdir(path.join(dir, p.name)))
      .filter((f) => isImageFile(f))
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

