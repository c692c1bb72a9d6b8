import { readFile } from 'node:fs/promises';
import { cosine } from '@storelens/decision';
import type { FacePipeline } from '@storelens/pipeline';
import { errorMessage, printJson } from '../output';

/** `storelens compare`: similarity of the largest face in each file and the verdict at the threshold. */
export async function compareCommand(
  a: string,
  b: string,
  pipeline: FacePipeline,
  threshold: number,
  json: boolean,
): Promise<number> {
  const largest = async (file: string) => {
    const faces = await pipeline.embedFaces(await pipeline.decode(await readFile(file)));
    if (faces.length === 0) throw new Error(`${file}: no face found`);
    return faces[0].embedding;
  };
  try {
    const [ea, eb] = [await largest(a), await largest(b)];
    const similarity = cosine(ea, eb);
    const samePerson = similarity >= threshold;
    if (json) printJson({ fileA: a, fileB: b, similarity: Number(similarity.toFixed(4)), threshold, samePerson });
    else
      console.log(
        `similarity ${similarity.toFixed(4)}: ${samePerson ? 'same person' : 'different people'} (threshold ${threshold})`,
      );
    return 0;
  } catch (err) {
    const msg = errorMessage(err);
    if (json) printJson({ fileA: a, fileB: b, error: msg });
    else console.error(msg);
    return 1;
  }
}
