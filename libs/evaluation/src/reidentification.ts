import { VisitorBook } from '@storelens/tracking';
import { seededRandom } from './fairness';
import type { IdentifiedFace } from './metrics';

/**
 * Re-identification of people who are not enrolled: each photo of a folder of people is sent as its own sighting
 * (one track of one face) through the platform's visitor rule, in a shuffled order, and the visitor ids it hands out
 * are compared with the truth. The rule is order dependent (a visitor's centroid moves as sightings join it), so
 * several seeded orders are run and their mean and worst figures reported.
 */
export interface ReidentificationResult {
  visitorThreshold: number;
  /** Photos with a face (each one sighting) and the people they show. */
  sightings: number;
  people: number;
  /** People with a single sighting (strangers/, or one usable photo). */
  seenOnce: number;
  orders: number;
  /** Photo pairs of the same person, and of different people. */
  samePersonPairs: number;
  differentPersonPairs: number;
  /** Of the pairs given the same visitor, the share that is one person; null when no pair shares a visitor. */
  precision: { mean: number | null; min: number | null };
  /** Of the same-person pairs, the share given the same visitor. */
  recall: { mean: number | null; min: number | null };
  /** Visitors created in all (the truth is `people`). */
  visitors: { mean: number; min: number; max: number };
  /** Distinct visitors a real person was split into, averaged over people, then over orders (1 is perfect). */
  visitorsPerPerson: { mean: number; max: number };
  /** Visitors holding photos of more than one person (0 is perfect). */
  mixedVisitors: { mean: number; max: number };
  /** Per person, the visitors they got in the first order. */
  byPerson: Record<string, number>;
  /** The same measurement at other visitor thresholds (mean over the orders), to show the trade-off. */
  sweep: {
    threshold: number;
    precision: number | null;
    recall: number | null;
    visitors: number;
    mixedVisitors: number;
  }[];
}

/** Visitor thresholds of the sweep. */
export const REID_SWEEP = [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7] as const;

function shuffled<T>(xs: readonly T[], rnd: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function reidentification(
  faces: readonly IdentifiedFace[],
  visitorThreshold: number,
  opts: { orders?: number; seed?: number } = {},
): ReidentificationResult | null {
  const main = measure(faces, visitorThreshold, opts);
  if (!main) return null;
  const sweep = REID_SWEEP.map((t) => {
    const r = t === visitorThreshold ? main : (measure(faces, t, opts) as Omit<ReidentificationResult, 'sweep'>);
    return {
      threshold: t,
      precision: r.precision.mean,
      recall: r.recall.mean,
      visitors: r.visitors.mean,
      mixedVisitors: r.mixedVisitors.mean,
    };
  });
  return { ...main, sweep };
}

function measure(
  faces: readonly IdentifiedFace[],
  visitorThreshold: number,
  opts: { orders?: number; seed?: number },
): Omit<ReidentificationResult, 'sweep'> | null {
  const sightings = faces.filter((f): f is IdentifiedFace & { embedding: ArrayLike<number> } => f.embedding !== null);
  if (sightings.length < 2) return null;
  const orders = opts.orders ?? 5;
  const rnd = seededRandom(opts.seed ?? 1);
  const people = [...new Set(sightings.map((s) => s.identity))].sort();
  let same = 0;
  for (let i = 0; i < sightings.length; i++)
    for (let j = i + 1; j < sightings.length; j++) if (sightings[i].identity === sightings[j].identity) same++;
  const pairs = (sightings.length * (sightings.length - 1)) / 2;

  const precisions: number[] = [];
  const recalls: number[] = [];
  const totals: number[] = [];
  const perPersonMeans: number[] = [];
  const perPersonMax: number[] = [];
  const mixed: number[] = [];
  let byPerson: Record<string, number> = {};
  for (let k = 0; k < orders; k++) {
    const book = new VisitorBook(visitorThreshold);
    const given = shuffled(sightings, rnd).map((s) => ({
      person: s.identity,
      visitor: book.assign(Array.from(s.embedding)).visitor,
    }));
    let sharedVisitor = 0;
    let sharedAndSame = 0;
    for (let i = 0; i < given.length; i++)
      for (let j = i + 1; j < given.length; j++) {
        if (given[i].visitor !== given[j].visitor) continue;
        sharedVisitor++;
        if (given[i].person === given[j].person) sharedAndSame++;
      }
    if (sharedVisitor > 0) precisions.push(sharedAndSame / sharedVisitor);
    if (same > 0) recalls.push(sharedAndSame / same);
    totals.push(book.size);
    const visitorsOf = new Map<string, Set<number>>();
    const peopleOf = new Map<number, Set<string>>();
    for (const g of given) {
      visitorsOf.set(g.person, (visitorsOf.get(g.person) ?? new Set()).add(g.visitor));
      peopleOf.set(g.visitor, (peopleOf.get(g.visitor) ?? new Set()).add(g.person));
    }
    const split = people.map((p) => visitorsOf.get(p)!.size);
    perPersonMeans.push(mean(split));
    perPersonMax.push(Math.max(...split));
    mixed.push([...peopleOf.values()].filter((s) => s.size > 1).length);
    if (k === 0) byPerson = Object.fromEntries(people.map((p, i) => [p, split[i]]));
  }
  return {
    visitorThreshold,
    sightings: sightings.length,
    people: people.length,
    seenOnce: people.filter((p) => sightings.filter((s) => s.identity === p).length === 1).length,
    orders,
    samePersonPairs: same,
    differentPersonPairs: pairs - same,
    precision: precisions.length ? { mean: mean(precisions), min: Math.min(...precisions) } : { mean: null, min: null },
    recall: recalls.length ? { mean: mean(recalls), min: Math.min(...recalls) } : { mean: null, min: null },
    visitors: { mean: mean(totals), min: Math.min(...totals), max: Math.max(...totals) },
    visitorsPerPerson: { mean: mean(perPersonMeans), max: Math.max(...perPersonMax) },
    mixedVisitors: { mean: mean(mixed), max: Math.max(...mixed) },
    byPerson,
  };
}
