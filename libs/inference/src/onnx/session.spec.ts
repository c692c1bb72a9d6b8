import { config } from '@storelens/config';
import { modelOptions, openModel } from '../models/model-base';
import { OnnxSession } from './session';

/** A YuNet input of side x side: a noise image, in shared memory when `shared` (as TensorPool's buffers are). */
function input(side: number, shared: boolean) {
  const data = shared
    ? new Float32Array(new SharedArrayBuffer(3 * side * side * 4))
    : new Float32Array(3 * side * side);
  let s = 7;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { input: { data, dims: [1, 3, side, side] } };
}

/** Turns of the main thread's event loop while `work` is pending. */
async function turnsDuring(work: Promise<unknown>): Promise<number> {
  let done = false;
  let turns = 0;
  void work.finally(() => (done = true));
  while (!done) {
    await new Promise((resolve) => setImmediate(resolve));
    turns++;
  }
  await work;
  return turns;
}

describe('ONNX Runtime sessions on the model thread (real model)', () => {
  afterAll(() => OnnxSession.closeAll());

  it('runs a model without holding the main thread, which keeps turning meanwhile', async () => {
    const { session } = await openModel('detector', modelOptions(config()));
    await session.run(input(320, true)); // the first run of a size plans its memory
    const big = input(1600, true);
    await session.run(big);
    // on the main thread a run is one uninterrupted call: the loop would not turn while it runs
    // (8,122 turns here; 1 when the run was on the main thread)
    expect(await turnsDuring(session.run(big))).toBeGreaterThan(50);
  });

  it('takes an input in shared memory and one in its own memory to the same outputs, and hands neither over', async () => {
    const { session } = await openModel('detector', modelOptions(config()));
    const shared = input(320, true);
    const own = input(320, false);
    const [a, b] = await Promise.all([session.run(shared), session.run(own)]);
    expect(Object.keys(a).sort()).toEqual([...session.outputNames].sort());
    for (const name of session.outputNames) {
      expect(a[name]!.dims).toEqual(b[name]!.dims);
      expect(Array.from(a[name]!.data)).toEqual(Array.from(b[name]!.data));
    }
    // the caller's buffers are still its own: nothing was handed over
    expect(shared.input.data.length).toBe(3 * 320 * 320);
    expect(own.input.data.length).toBe(3 * 320 * 320);
  });

  it('names the model file in its errors, and opens its sessions again after the thread stopped', async () => {
    const { session, entry } = await openModel('detector', modelOptions(config()));
    await expect(session.run({})).rejects.toThrow(/missing input 'input'/);
    await expect(session.run({ input: { data: new Float32Array(3), dims: [1, 3, 2, 1] } })).rejects.toThrow(
      new RegExp(`${entry.file.replace(/[.]/g, '[.]')}: input 'input' has 3 values`),
    );
    // ONNX Runtime's own refusal (a tensor of the wrong rank) comes back as this file's error
    await expect(session.run({ input: { data: new Float32Array(3), dims: [3] } })).rejects.toThrow(entry.file);
    await expect(OnnxSession.open('/nonexistent/model.onnx', { threads: 1 })).rejects.toThrow(/nonexistent/);
    await OnnxSession.closeAll();
    const again = await openModel('detector', modelOptions(config()));
    expect(Object.keys(await again.session.run(input(320, true)))).toHaveLength(session.outputNames.length);
  });
});
