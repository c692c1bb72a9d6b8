import { READ_AHEAD, readAhead } from './read-ahead';

/** An open that resolves when the test says so, recording when each open started. */
function controlledOpens() {
  const started: number[] = [];
  const settle = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  const open = (input: number) =>
    new Promise<string>((resolve, reject) => {
      started.push(input);
      settle.set(input, { resolve, reject });
    });
  return { started, settle, open };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('readAhead', () => {
  it('opens the next input while the consumer works on the current one, never two ahead at ahead 1', async () => {
    const { started, settle, open } = controlledOpens();
    const it = readAhead([0, 1, 2], open, { ahead: 1 });
    const first = it.next();
    await flush();
    expect(started).toEqual([0]);
    settle.get(0)!.resolve('a');
    expect((await first).value).toEqual({ input: 0, index: 0, value: 'a' });
    // input 1 is being opened while the consumer holds input 0; input 2 is not started yet
    expect(started).toEqual([0, 1]);
    await flush();
    expect(started).toEqual([0, 1]);
    const second = it.next();
    settle.get(1)!.resolve('b');
    expect((await second).value).toEqual({ input: 1, index: 1, value: 'b' });
    expect(started).toEqual([0, 1, 2]);
    settle.get(2)!.resolve('c');
    expect((await it.next()).value).toEqual({ input: 2, index: 2, value: 'c' });
    expect((await it.next()).done).toBe(true);
  });

  it('opens the next READ_AHEAD (6) by default while the consumer works on one, never more', async () => {
    expect(READ_AHEAD).toBe(6);
    const n = READ_AHEAD + 3;
    const inputs = Array.from({ length: n }, (_, i) => i);
    const { started, settle, open } = controlledOpens();
    const it = readAhead(inputs, open);
    const first = it.next();
    await flush();
    // the first input alone until it is open
    expect(started).toEqual([0]);
    settle.get(0)!.resolve('v0');
    expect((await first).value).toEqual({ input: 0, index: 0, value: 'v0' });
    expect(started).toEqual(inputs.slice(0, 1 + READ_AHEAD));
    for (let i = 1; i < n; i++) {
      await flush();
      // while the consumer holds input i - 1, inputs up to i - 1 + READ_AHEAD are being opened, and no further
      expect(started).toEqual(inputs.slice(0, Math.min(n, i + READ_AHEAD)));
      const next = it.next();
      settle.get(i)!.resolve(`v${i}`);
      expect((await next).value).toEqual({ input: i, index: i, value: `v${i}` });
      expect(started).toEqual(inputs.slice(0, Math.min(n, i + 1 + READ_AHEAD)));
    }
    expect((await it.next()).done).toBe(true);
    await expect(readAhead([1], async (x) => x, { ahead: 0 }).next()).rejects.toThrow(/ahead/);
  });

  it('hands a failed open over in its place, and goes on with the rest in order', async () => {
    const open = async (input: string) => {
      if (input === 'bad') throw new Error('corrupt');
      if (input === 'sync') return JSON.parse('{') as string; // a synchronous throw inside the open
      await new Promise((r) => setTimeout(r, input === 'slow' ? 30 : 1));
      return input.toUpperCase();
    };
    const out: string[] = [];
    for await (const o of readAhead(['slow', 'bad', 'x', 'sync', 'y'], open))
      out.push('error' in o ? `${o.input}: ${(o.error as Error).message.split(' ')[0]}` : o.value);
    expect(out).toEqual(['SLOW', 'bad: corrupt', 'X', expect.stringMatching(/^sync: /), 'Y']);
  });

  it('yields nothing for no inputs and leaves no open behind when the consumer stops early', async () => {
    const open = jest.fn(async (x: number) => x);
    for await (const o of readAhead([], open)) throw new Error(`unexpected ${JSON.stringify(o)}`);
    expect(open).not.toHaveBeenCalled();
    for await (const o of readAhead([1, 2, 3, 4], open)) if (o.index === 1) break;
    // the consumer stopped at the second input: the third and fourth had been started ahead
    expect(open.mock.calls.map((c) => c[0])).toEqual([1, 2, 3, 4]);
    open.mockClear();
    for await (const o of readAhead([1, 2, 3, 4], open, { ahead: 1 })) if (o.index === 1) break;
    // one ahead: the third had been started, the fourth never was
    expect(open.mock.calls.map((c) => c[0])).toEqual([1, 2, 3]);
  });
});
