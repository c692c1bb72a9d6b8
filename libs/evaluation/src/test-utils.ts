import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Create a temporary dataset folder from { 'relative/path': contents }; returns its path and a cleanup. */
export function makeTempDataset(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'storelens-eval-'));
  for (const [rel, contents] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, contents);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
