/** An input as `readAhead` hands it over: what `open` made of it, or why it failed. */
export type Opened<T, O> = { input: T; index: number; value: O } | { input: T; index: number; error: unknown };

/**
 * Inputs opened ahead of the consumer by default. `storelens analyze` and the bench open an image by decoding and
 * analysing it, so this many images are in the pipeline at once: one's crops are cut and the next ones decoded
 * while the model thread runs another's models. With few in flight the model thread waits: at two it was idle 30 %
 * of the time. The bench's pipeline row, three runs each: 35.2-39.1 ms per image at four in flight, 30.2-33.0 at six,
 * 29.4-33.6 at eight. The cost is memory: up to seven decoded images at once, ~250 MB for 12-megapixel photos, ~1 GB
 * for a folder of the largest images accepted (STORELENS_MAX_PIXELS, 50 megapixels). When opening was decoding
 * alone, one ahead left a wait wherever an input took longer to open than the one before it took to analyse.
 */
export const READ_AHEAD = 6;

/**
 * Opens inputs (reads, decodes and analyses them, say) ahead of their consumer: while the caller works on input i,
 * inputs i + 1 to i + `ahead` are being opened, so decoding in libvips' threads, the crops on the main thread and
 * the models on their own thread overlap instead of taking turns. The inputs come back in their order; a failed
 * open is handed over as its error, in its place, and the rest go on. Memory holds `ahead` + 1 opened inputs at most.
 */
export async function* readAhead<T, O>(
  inputs: readonly T[],
  open: (input: T, index: number) => Promise<O>,
  { ahead = READ_AHEAD }: { ahead?: number } = {},
): AsyncGenerator<Opened<T, O>> {
  if (!Number.isInteger(ahead) || ahead < 1)
    throw new RangeError(`readAhead: ahead must be a whole number >= 1, not ${ahead}`);
  const start = (index: number): Promise<Opened<T, O>> => {
    const input = inputs[index];
    // the open starts now (a synchronous throw counts as its failure); it is awaited when the consumer reaches it
    return new Promise<O>((resolve) => resolve(open(input, index))).then(
      (value) => ({ input, index, value }),
      (error: unknown) => ({ input, index, error }),
    );
  };
  const opening: Promise<Opened<T, O>>[] = [];
  let next = 0;
  const fill = (n: number) => {
    while (opening.length < n && next < inputs.length) opening.push(start(next++));
  };
  // the first input alone, so that nothing competes with the wait for it
  fill(1);
  while (opening.length) {
    const opened = await opening.shift()!;
    fill(ahead);
    yield opened;
  }
}
