import { joinsVisitor } from '@storelens/decision';
import { absorbCentroid, cosine } from './vectors';

/**
 * The visitor rule in memory, as the classification service runs it on Postgres: a track (here, any sighting) joins
 * the visitor whose centroid is most similar when that similarity reaches the visitor threshold, moving the
 * visitor's centroid to the running mean; otherwise it starts a new visitor. `storelens eval` measures
 * re-identification with it, so what is measured is the platform's rule.
 */
export class VisitorBook {
  private readonly visitors: { id: number; centroid: number[]; count: number }[] = [];

  constructor(private readonly visitorThreshold: number) {}

  /** The visitor a sighting with this (unit) vector belongs to: its index, in creation order. */
  assign(vector: readonly number[]): { visitor: number; similarity: number | null; joined: boolean } {
    let best: (typeof this.visitors)[number] | null = null;
    let bestSimilarity = -Infinity;
    for (const v of this.visitors) {
      const s = cosine(v.centroid, vector);
      if (s > bestSimilarity) [best, bestSimilarity] = [v, s];
    }
    if (best && joinsVisitor(bestSimilarity, this.visitorThreshold)) {
      best.centroid = absorbCentroid(best.centroid, best.count, vector);
      best.count++;
      return { visitor: best.id, similarity: bestSimilarity, joined: true };
    }
    const id = this.visitors.length;
    this.visitors.push({ id, centroid: [...vector], count: 1 });
    return { visitor: id, similarity: best ? bestSimilarity : null, joined: false };
  }

  get size(): number {
    return this.visitors.length;
  }
}
