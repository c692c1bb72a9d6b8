import { TensorPool } from './tensor-pool';

describe('TensorPool', () => {
  it('serves any length that fits a kept buffer, from the same memory, with exactly the length asked for', () => {
    const pool = new TensorPool();
    const big = pool.take(12);
    pool.give(big);
    const small = pool.take(8);
    expect(small).toHaveLength(8);
    expect(small.buffer).toBe(big.buffer);
    pool.give(small);
    const again = pool.take(12); // the whole buffer again, though a view of 8 was given back
    expect(again).toHaveLength(12);
    expect(again.buffer).toBe(big.buffer);
    expect(pool.take(16).buffer).not.toBe(big.buffer); // too large for it
  });

  it('never gives one buffer to two callers at once', () => {
    const pool = new TensorPool();
    const first = pool.take(4);
    const second = pool.take(4);
    expect(second.buffer).not.toBe(first.buffer);
    pool.give(first);
    pool.give(second);
    const again = [pool.take(4), pool.take(4)].map((v) => v.buffer);
    expect(new Set(again).size).toBe(2);
    expect(again).toEqual(expect.arrayContaining([first.buffer, second.buffer]));
  });

  it('picks the smallest buffer that fits, leaving the larger for a larger input', () => {
    const pool = new TensorPool();
    const [large, small] = [pool.take(100), pool.take(10)];
    pool.give(large);
    pool.give(small);
    expect(pool.take(5).buffer).toBe(small.buffer);
    expect(pool.take(50).buffer).toBe(large.buffer);
  });

  it('keeps at most maxBuffers, dropping the smallest', () => {
    const pool = new TensorPool(2);
    const [a, b, c] = [pool.take(3), pool.take(1), pool.take(2)];
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect(pool.held).toEqual({ buffers: 2, bytes: (3 + 2) * 4 });
    expect(pool.take(1).buffer).toBe(c.buffer);
  });

  it('refuses a view that does not start its buffer', () => {
    expect(() => new TensorPool().give(new Float32Array(8).subarray(2))).toThrow(RangeError);
  });
});
