import { seededRandom } from './fairness';
import { REID_SWEEP, reidentification } from './reidentification';

/** `people` people, `photos` sightings each: vectors scattered around a person's own direction. */
function crowd(people: number, photos: number, spread: number, seed = 1) {
  const rnd = seededRandom(seed);
  const dim = 32;
  const out: { identity: string; embedding: number[] }[] = [];
  for (let p = 0; p < people; p++) {
    const centre = Array.from({ length: dim }, () => rnd() - 0.5);
    for (let k = 0; k < photos; k++) {
      const v = centre.map((c) => c + (rnd() - 0.5) * spread);
      const n = Math.hypot(...v);
      out.push({ identity: `p${p}`, embedding: v.map((x) => x / n) });
    }
  }
  return out;
}

describe('reidentification', () => {
  it('is perfect on well-separated people: one visitor each, every same-person pair together', () => {
    const r = reidentification(crowd(5, 4, 0.05), 0.5)!;
    expect(r).toMatchObject({ sightings: 20, people: 5, seenOnce: 0, samePersonPairs: 30, differentPersonPairs: 160 });
    expect(r.precision).toEqual({ mean: 1, min: 1 });
    expect(r.recall).toEqual({ mean: 1, min: 1 });
    expect(r.visitors).toEqual({ mean: 5, min: 5, max: 5 });
    expect(r.visitorsPerPerson).toEqual({ mean: 1, max: 1 });
    expect(r.mixedVisitors).toEqual({ mean: 0, max: 0 });
  });

  it('counts people split over visitors at a strict threshold, and people merged at a lax one', () => {
    const faces = crowd(6, 3, 1.2, 2);
    const strict = reidentification(faces, 0.99)!;
    expect(strict.visitors.mean).toBe(18); // every sighting its own visitor
    expect(strict.visitorsPerPerson.mean).toBe(3);
    expect(strict.recall.mean).toBe(0);
    expect(strict.precision.mean).toBeNull(); // no pair shares a visitor
    const lax = reidentification(faces, -1)!;
    expect(lax.visitors.mean).toBe(1); // everyone one visitor
    expect(lax.mixedVisitors.mean).toBe(1);
    expect(lax.recall.mean).toBe(1);
    expect(lax.precision.mean).toBeCloseTo(18 / 153, 6); // 6 people × 3 same-person pairs of 153
  });

  it('sweeps the thresholds, the configured one equal to the main figures', () => {
    const r = reidentification(crowd(8, 2, 0.9, 3), 0.5)!;
    expect(r.sweep.map((x) => x.threshold)).toEqual([...REID_SWEEP]);
    const at = r.sweep.find((x) => x.threshold === 0.5)!;
    expect(at).toEqual({
      threshold: 0.5,
      precision: r.precision.mean,
      recall: r.recall.mean,
      visitors: r.visitors.mean,
      mixedVisitors: r.mixedVisitors.mean,
    });
    // stricter thresholds never create fewer visitors
    for (let i = 1; i < r.sweep.length; i++)
      expect(r.sweep[i].visitors).toBeGreaterThanOrEqual(r.sweep[i - 1].visitors);
  });

  it('needs two sightings with a face', () => {
    expect(
      reidentification(
        [
          { identity: 'a', embedding: [1, 0] },
          { identity: 'b', embedding: null },
        ],
        0.5,
      ),
    ).toBeNull();
  });
});
