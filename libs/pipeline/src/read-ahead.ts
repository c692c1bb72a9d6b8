/** An input as `readAhead` hands it over: what `open` made of it, or why it failed. */
export type Opened<T, O> = { input: T; index: number; value: O } | { input: T; index: number; error: unknown };

/**
 * Inputs opened ahead of the consumer by default. One ahead leaves a wait wherever an input takes longer to open
 * than the one before it takes to analyse (a large progressive JPEG after a small photo): in a running stream of the
 * bench images the wait was 1.0-6.5 ms per image at one ahead and 0.0-1.6 at two, for one more decoded input in
 * memory.
 */
export const READ_AHEAD = 2;

/**
 * Opens inputs (reads and decodes them, say) ahead of their consumer: while the caller works on input i, inputs
 * i + 1 to i + `ahead` are being opened, so decoding in libvips' threads overlaps the models on the main thread
 * instead of taking turns with them. The inputs come back in their order; a failed open is handed over as its
 * error, in its place, and the rest go on. Memory holds `ahead` + 1 opened inputs at most.
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
