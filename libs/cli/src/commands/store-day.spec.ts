import { STORE_DAY_SIGHTINGS, STORE_DAY_TRUTH, SAMPLE_S, storeDayRows, type StoreDayReading } from './store-day';

describe('store day (the plan and its truth)', () => {
  it('states a truth the plan implies: dwell per zone is frames × the sampling interval', () => {
    const zoneOf = { door: 'entrance', aisle: 'aisle 1', promo: 'winter promo', till: 'checkout' } as const;
    // the anonymous and member visits in start order (staff never make one); Kit's second visit starts at 13:00
    const visits = [
      STORE_DAY_SIGHTINGS.filter((s) => s.person === 'kit' && s.at < '12:00:00'),
      STORE_DAY_SIGHTINGS.filter((s) => s.person === 'rose'),
      STORE_DAY_SIGHTINGS.filter((s) => s.person === 'obama'),
      STORE_DAY_SIGHTINGS.filter((s) => s.person === 'kit' && s.at > '12:00:00'),
    ];
    visits.forEach((sightings, i) => {
      const dwell: Record<string, number> = {};
      for (const s of sightings) dwell[zoneOf[s.camera]] = (dwell[zoneOf[s.camera]] ?? 0) + s.frames * SAMPLE_S;
      expect(dwell).toEqual(STORE_DAY_TRUTH.byVisit[i].zones);
    });
    expect(STORE_DAY_TRUTH.visits).toBe(visits.length);
  });

  it('lines the reading up with the truth, zones in name order on both sides', () => {
    const reading = {
      traffic: { visits: 4, uniqueVisitors: 3, newVisitors: 2, returningVisitors: 1, members: 1, anonymous: 2 },
      visits: [
        {
          zones: [
            { zone: 'checkout', dwellS: 15 },
            { zone: 'aisle 1', dwellS: 30 },
            { zone: 'entrance', dwellS: 10 },
          ],
        },
      ],
      conversion: { converted: 1, matchedTransactions: 1, transactions: 2 },
      demographics: { byGender: { male: 2, female: 0 } },
    } as unknown as StoreDayReading;
    const rows = Object.fromEntries(storeDayRows(reading).map(([k, truth, read]) => [k, [truth, read]]));
    expect(rows['visits']).toEqual(['4', '4']);
    expect(rows['new / returning']).toEqual(['2 / 1', '2 / 1']);
    expect(rows['visitors male / female']).toEqual(['2 / 1', '2 / 0']);
    expect(rows['visit 1 (kit) dwell']).toEqual([
      'aisle 1 30s, checkout 15s, entrance 10s',
      'aisle 1 30s, checkout 15s, entrance 10s',
    ]);
    // a visit the API did not report shows as empty, not as the truth
    expect(rows['visit 2 (rose) dwell']).toEqual(['entrance 10s, winter promo 20s', '']);
  });
});
