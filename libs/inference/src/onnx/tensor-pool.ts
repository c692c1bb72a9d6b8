/**
 * Float32 input buffers kept for reuse between model calls. Each fresh buffer costs a page fault per 4 KB on its
 * first write (about 14 us each on this kind of VM): filling a new 640x640x3 tensor took 3-4 ms more than filling a
 * reused one in process, and in a profile of the detection worker, where every image's letterbox has a size of its own,
 * the fill was a sixth of its main thread's time. So a buffer serves any input that fits in it: `take` hands out a view of exactly
 * the length asked for, cut from the smallest kept buffer that is large enough. A caller takes a view before
 * `session.run` and gives it back once the run has resolved, so concurrent calls never share a buffer. At most
 * `maxBuffers` are kept, the smallest dropped first, so what stays is the largest inputs seen (ONNX Runtime's own
 * arena grows to those too). The buffers are SharedArrayBuffers: they reach the model thread (see OnnxSession)
 * without a copy, and it copies them into memory of its own that it keeps for reuse.
 */
export class TensorPool {
  private readonly free: Float32Array[] = [];

  constructor(private readonly maxBuffers = 2) {}

  /** A view of exactly `length` values over a kept buffer that holds at least that many, else a new buffer. */
  take(length: number): Float32Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.free[i].length;
      if (n >= length && (best < 0 || n < this.free[best].length)) best = i;
    }
    // shared memory: an ArrayBuffer would be copied to the model thread into new memory on every call
    if (best < 0) return new Float32Array(new SharedArrayBuffer(length * 4));
    return this.free.splice(best, 1)[0].subarray(0, length);
  }

  /** Keeps the buffer under `view` (from `take`) for a later `take`; the caller must not touch it afterwards. */
  give(view: Float32Array): void {
    if (view.byteOffset !== 0) throw new RangeError('not a buffer from this pool: it does not start its memory');
    this.free.push(view.length * 4 === view.buffer.byteLength ? view : new Float32Array(view.buffer));
    if (this.free.length > this.maxBuffers) {
      let smallest = 0;
      for (let i = 1; i < this.free.length; i++) if (this.free[i].length < this.free[smallest].length) smallest = i;
      this.free.splice(smallest, 1);
    }
  }

  /** Runs `fn` on a view of `length` values taken from the pool, and gives it back once `fn` has settled. */
  async use<T>(length: number, fn: (view: Float32Array) => Promise<T>): Promise<T> {
    const view = this.take(length);
    try {
      return await fn(view);
    } finally {
      this.give(view);
    }
  }

  /** How many buffers are kept now, and their bytes. */
  get held(): { buffers: number; bytes: number } {
    return { buffers: this.free.length, bytes: this.free.reduce((n, b) => n + b.byteLength, 0) };
  }
}
