import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { looksLikeVideo } from '@storelens/media';
import { isImageFile } from '@storelens/vision';

/**
 * Expands the arguments into input files: a file stays as given (even with an odd extension, so that the
 * user hears why it fails), a folder contributes its images and videos, recursively and sorted.
 */
export async function expandInputs(args: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    let st;
    try {
      st = await stat(arg);
    } catch {
      out.push(arg); // reported as missing when processed
      continue;
    }
    if (!st.isDirectory()) {
      out.push(arg);
      continue;
    }
    const walk = async (dir: string): Promise<void> => {
      const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (isImageFile(e.name) || looksLikeVideo(e.name)) out.push(p);
      }
    };
    await walk(arg);
  }
  return out;
}
