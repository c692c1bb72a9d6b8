/** An input as `readAhead` hands it over: what `open` made of it, or why it failed. */
export type Opened<T, O> = { input: T; index: number; value: O } | { input: T; index: number; error: unknown };

/**
 * Opens each input (reads and decodes it, say) one ahead of its consumer: while the caller works on input i,
 * input i + 1 is being opened, so decoding in libvips' threads overlaps the models on the main thread instead of
 * taking turns with them. The inputs come back in their order; a failed open is handed over as its error, in its
 * place, and the rest go on. At most one input is ever ahead, so memory holds two decoded inputs at most.
 */
export async function* readAhead<T, O>(
  inputs: readonly T[],
  open: (input: T, index: number) => Promise<O>,
): AsyncGenerator<Opened<T, O>> {
  const start = (index: number): Promise<Opened<T, O>> => {
    const input = inputs[index];
    // the open starts now (a synchronous throw counts as its failure); it is awaited when the consumer reaches it
    return new Promise<O>((resolve) => resolve(open(input, index))).then(
      (value) => ({ input, index, value }),
      (error: unknown) => ({ input, index, error }),
    );
  };
  let ahead = inputs.length ? start(0) : undefined;
  for (let i = 0; ahead; i++) {
    const opened = await ahead;
    ahead = i + 1 < inputs.length ? start(i + 1) : undefined;
    yield opened;
  }
}
