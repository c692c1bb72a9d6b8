import { TensorPool } from './tensor-pool';

describe('TensorPool', () => {
  it('hands a given-back buffer out again for the same length only', () => {
    const pool = new TensorPool();
    const a = pool.take(12);
    pool.give(a);
    expect(pool.take(8)).not.toBe(a);
    expect(pool.take(12)).toBe(a);
    expect(pool.take(12)).not.toBe(a); // taken: a second caller gets its own
  });

  it('never gives one buffer to two callers at once', () => {
    const pool = new TensorPool();
    const first = pool.take(4);
    const second = pool.take(4);
    expect(second).not.toBe(first);
    pool.give(first);
    pool.give(second);
    const again = [pool.take(4), pool.take(4)];
    expect(new Set(again).size).toBe(2);
    expect(again).toEqual(expect.arrayContaining([first, second]));
  });

  it('keeps at most maxBuffers, dropping the least recently given back', () => {
    const pool = new TensorPool(2);
    const [a, b, c] = [pool.take(1), pool.take(2), pool.take(3)];
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect(pool.held).toEqual({ buffers: 2, bytes: (2 + 3) * 4 });
    expect(pool.take(1)).not.toBe(a);
    expect(pool.take(2)).toBe(b);
  });
});
