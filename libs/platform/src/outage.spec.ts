import { describeOutage, isOutage } from './outage';

// What the drivers throw when Postgres, Redis or the S3 endpoint is away, against what a bug or a bad request throws:
// only the first kind becomes 503 with Retry-After (OutageFilter); the fault suite checks the answers end to end.
describe('isOutage', () => {
  it.each([
    [
      'a refused connection (any driver)',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['Postgres shutting down (57P01)', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    ['a Postgres connection failure (class 08)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['pg: the server went away mid-query', new Error('Connection terminated unexpectedly')],
    [
      'ioredis: no offline queue while Redis is down',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    [
      'ioredis: gave up retrying',
      Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }),
    ],
    ['TypeORM wrapping the driver error', { message: 'query failed', driverError: { code: '57P03' } }],
    ['an error whose cause is an outage', new Error('upload failed', { cause: { code: 'ETIMEDOUT' } })],
  ])('%s is an outage', (_what, err) => {
    expect(isOutage(err)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a constraint violation', Object.assign(new Error('duplicate key value'), { code: '23505' })],
    [
      'an invalid text value',
      Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }),
    ],
    ['nothing at all', undefined],
  ])('%s is not', (_what, err) => {
    expect(isOutage(err)).toBe(false);
  });
});

describe('describeOutage', () => {
  it('names the error, its code and its cause on one line, for the log of a 503', () => {
    const err = new Error('upload failed\n    at somewhere', {
      cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    });
    expect(describeOutage(err)).toBe('Error: upload failed; cause: Error (ECONNRESET): socket hang up');
    expect(describeOutage({ message: 'query failed', driverError: { code: '57P03', message: 'starting up' } })).toBe(
      'Error: query failed; cause: Error (57P03): starting up',
    );
  });
});
