/**
 * Thrown by a job handler when retrying cannot help: the frame image is corrupt, the face id does not exist, the
 * media type is unsupported. The worker fails the job at once and reports it, instead of spending the remaining
 * attempts. Any other error counts as transient and is retried with backoff.
 *
 * Handlers throw this rather than BullMQ's UnrecoverableError so that they do not depend on the queue library.
 */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
