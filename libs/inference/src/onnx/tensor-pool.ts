/**
 * Float32 input buffers kept for reuse between model calls. A new 640x640x3 tensor costs 3-4 ms more to fill than a
 * reused one (the kernel zeroes and maps each fresh page on first touch), a tenth of the detector's own model time.
 * A caller takes a buffer before `session.run` and gives it back once the run has resolved, so concurrent calls
 * never share one. At most `maxBuffers` are kept, the least recently given back dropped first: the detector's
 * input sizes follow the images' aspect ratios, and a pool of every size seen would hold on to memory for good.
 */
export class TensorPool {
  private readonly free: Float32Array[] = [];

  constructor(private readonly maxBuffers = 4) {}

  /** A buffer of exactly `length` values: a kept one if any has that length, else a new (zeroed) one. */
  take(length: number): Float32Array {
    const i = this.free.findIndex((b) => b.length === length);
    return i < 0 ? new Float32Array(length) : this.free.splice(i, 1)[0];
  }

  /** Keeps `buffer` for a later `take`; the caller must not touch it afterwards. */
  give(buffer: Float32Array): void {
    this.free.push(buffer);
    if (this.free.length > this.maxBuffers) this.free.shift();
  }

  /** How many buffers are kept now, and their bytes. */
  get held(): { buffers: number; bytes: number } {
    return { buffers: this.free.length, bytes: this.free.reduce((n, b) => n + b.byteLength, 0) };
  }
}
