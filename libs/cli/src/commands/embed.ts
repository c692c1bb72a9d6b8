import { readFile } from 'node:fs/promises';
import type { FacePipeline } from '@storelens/pipeline';
import { roundBox } from '@storelens/vision';
import { embeddingJson, errorMessage, printJson } from '../output';

/** `storelens embed`: one JSON line per file with every face's embedding, largest face first. */
export async function embedCommand(files: string[], pipeline: FacePipeline): Promise<number> {
  let ok = 0;
  for (const file of files) {
    try {
      const faces = await pipeline.embedFaces(await pipeline.decode(await readFile(file)));
      if (faces.length === 0) {
        printJson({ file, error: 'no face found' });
        continue;
      }
      printJson({
        file,
        faces: faces.map((f) => ({
          box: roundBox(f.box),
          score: Number(f.score.toFixed(4)),
          embedding: embeddingJson(f.embedding),
        })),
      });
      ok++;
    } catch (err) {
      printJson({ file, error: errorMessage(err) });
    }
  }
  return ok > 0 || files.length === 0 ? 0 : 1;
}
