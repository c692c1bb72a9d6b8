#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { config } from '@storelens/config';
import { FacePipeline, type Gallery } from '@storelens/pipeline';
import { OnnxSession } from '@storelens/inference';
import { analyzeCommand } from './commands/analyze';
import { embedCommand } from './commands/embed';
import { compareCommand } from './commands/compare';
import { expandInputs } from './inputs';
import { extraCommands } from './extra-commands';

const number = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}`);
  return n;
};

async function loadGallery(
  pipeline: FacePipeline,
  dir: string | undefined,
  threshold: number,
): Promise<Gallery | undefined> {
  if (!dir) return undefined;
  // the platform's rule, with the threshold the user may have moved
  const { gallery, issues } = await pipeline.enrolFolder(dir, { ...config().decision, threshold });
  for (const i of issues) process.stderr.write(`gallery: ${i.file}: ${i.reason}\n`);
  if (gallery.size === 0) throw new Error(`gallery ${dir} has no usable photos (one sub-folder of photos per person)`);
  process.stderr.write(`gallery: ${gallery.names.length} people from ${gallery.size} photos\n`);
  return gallery;
}

export function buildProgram(): Command {
  const program = new Command('storelens')
    .description('StoreLens face analysis: detection, recognition, age, gender and emotion')
    .showHelpAfterError();
  const threshold = () =>
    new Option('--threshold <t>', 'similarity needed to name a face')
      .argParser(number('threshold', -1, 1))
      .default(config().decision.threshold);

  program
    .command('analyze')
    .description('find, describe and (with --gallery) name every face in images, folders and videos')
    .argument('<inputs...>', 'image or video files, or folders of them')
    .option('--gallery <dir>', 'folder with one sub-folder of photos per known person')
    .addOption(threshold())
    .addOption(new Option('--fps <n>', 'video frames sampled per second').argParser(number('fps', 0.01, 60)).default(5))
    .option('--json', 'one JSON line per image or video frame on stdout')
    .option('--annotate <outdir>', 'write annotated images (and videos) here')
    .action(async (inputs: string[], o) => {
      const pipeline = await FacePipeline.create(config());
      const gallery = await loadGallery(pipeline, o.gallery, o.threshold);
      process.exitCode = await analyzeCommand(await expandInputs(inputs), pipeline, {
        gallery,
        fps: o.fps,
        json: Boolean(o.json),
        annotate: o.annotate,
      });
    });

  program
    .command('embed')
    .description('print the 128-d embedding of every face, largest first')
    .argument('<files...>')
    .option('--json', 'JSON lines (the only output format)', true)
    .action(async (files: string[]) => {
      process.exitCode = await embedCommand(files, await FacePipeline.create(config()));
    });

  program
    .command('compare')
    .description('similarity of the largest faces in two photos, and whether they are the same person')
    .argument('<fileA>')
    .argument('<fileB>')
    .addOption(threshold())
    .option('--json', 'print one JSON object')
    .action(async (a: string, b: string, o) => {
      process.exitCode = await compareCommand(a, b, await FacePipeline.create(config()), o.threshold, Boolean(o.json));
    });

  for (const add of extraCommands) add(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`storelens: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    })
    .finally(() => OnnxSession.closeAll());
}
