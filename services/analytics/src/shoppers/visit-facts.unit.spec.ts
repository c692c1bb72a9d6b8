import { runsOf, type DirtyDay } from './visit-facts';

const DAY = 86_400_000;
const d = (storeId: string, n: number, tenantId = 't1'): DirtyDay => ({ tenantId, storeId, day: n * DAY });

describe('visit facts: marked days as runs', () => {
  it('orders the days it is given in any order, one store and tenant per run, earliest first', () => {
    // DELETE … RETURNING hands the marked days back in no particular order
    const runs = runsOf([d('b', 3), d('a', 2), d('a', 0), d('b', 1), d('a', 1), d('a', 0, 't0')]);
    expect(runs.map((r) => r.map((x) => `${x.tenantId}/${x.storeId}/${x.day / DAY}`))).toEqual([
      ['t0/a/0'],
      ['t1/a/0', 't1/a/1', 't1/a/2'],
      ['t1/b/1', 't1/b/3'],
    ]);
  });

  it('splits a store’s days into runs of at most seven days from their first', () => {
    const runs = runsOf(Array.from({ length: 16 }, (_, i) => d('a', 15 - i)));
    expect(runs.map((r) => [r[0]!.day / DAY, r[r.length - 1]!.day / DAY])).toEqual([
      [0, 6],
      [7, 13],
      [14, 15],
    ]);
  });
});
