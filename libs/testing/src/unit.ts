// The fast tier: services built with strict auto-mocked repositories (no Postgres, Redis, S3 or models).
import { mock, type MockProxy } from 'jest-mock-extended';
import pino, { type Logger } from 'pino';

/**
 * A strict auto-mock of a class: every method is a jest mock, and a call the test did not arrange throws
 * (naming the method), so a service cannot quietly reach a repository the test says nothing about.
 */
export function strictMock<T>(what = 'mock'): MockProxy<T> & T {
  return mock<T>({} as never, {
    fallbackMockImplementation: (...args: unknown[]) => {
      throw new Error(`${what}: unexpected call with ${JSON.stringify(args).slice(0, 200)}`);
    },
  });
}

/** The job context a worker hands a handler (@storelens/queue's JobContext), with a silent logger. */
export function jobContext(attempt = 1): { jobId: string; attempt: number; logger: Logger } {
  return { jobId: 'unit', attempt, logger: pino({ level: 'silent' }) };
}
