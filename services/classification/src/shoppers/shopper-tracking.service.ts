import { Inject, Injectable } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import {
  CameraRepository,
  ShopperRepository,
  type CameraFaceRow,
  type NewTrack,
  type TrackRow,
  type VisitRow,
} from '@storelens/db';
import { InjectConfig } from '@storelens/platform';
import {
  compareFaces,
  groupVisits,
  linkTracksFrom,
  maxGapMs,
  RECENT_FACES,
  addToSums,
  emptySums,
  summariseSums,
  type LinkOptions,
  type TrackFace,
  type TrackSums,
} from '@storelens/tracking';
import { joinsVisitor, nameFace, newVisitorId, uuidV5, VISITOR_NAMESPACE } from '@storelens/decision';
import { ShopperEvents } from './shopper-events';

/**
 * How far around a decided face the tracker reads: back, for faces still without a track (tracking resumes at the
 * earliest), and forward, further while the face's run goes on.
 */
const WINDOW_MS = 60_000;
/** A run read further forward than this (a camera that never sees an empty frame) is cut. */
const MAX_WINDOW_MS = 2 * 3600_000;

export const trackIdOf = (firstFaceId: string) => uuidV5(`track:${firstFaceId}`, VISITOR_NAMESPACE);
export const visitIdOf = (firstTrackId: string) => uuidV5(`visit:${firstTrackId}`, VISITOR_NAMESPACE);
export const identityKey = (identityId: string) => `identity:${identityId}`;
export const visitorKey = (visitorId: string) => `visitor:${visitorId}`;

/**
 * Faces become shoppers here. Whenever a camera face is decided, the camera's tracks are recomputed from Postgres
 * in recording order from that face on (under the camera's advisory lock), so they come out the same whatever
 * order the frames finished in; each track is named from all its faces by the one naming rule, an
 * unknown track joins the nearest anonymous visitor or starts one (under the tenant's lock, so two replicas never
 * split one person), and the visits of everyone it touched are regrouped.
 */
@Injectable()
export class ShopperTrackingService {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(ShopperRepository) private readonly shoppers: ShopperRepository,
    @Inject(CameraRepository) private readonly cameras: CameraRepository,
    @Inject(ShopperEvents) private readonly events: ShopperEvents,
  ) {}

  /** Re-tracks the camera from a decided face on. Returns the tracks that this touched. */
  async faceDecided(tenantId: string, cameraId: string, faceId: string, at: Date): Promise<TrackRow[]> {
    const camera = await this.cameras.get(tenantId, cameraId);
    if (!camera) return [];
    const link: LinkOptions = {
      intervalMs: 1000 / camera.fps,
      maxGapFrames: this.cfg.shoppers.trackMaxGapFrames,
      maxTrackMs: this.cfg.shoppers.trackMaxMs,
      strongSimilarity: this.cfg.shoppers.trackLinkSimilarity,
      weakSimilarity: this.cfg.shoppers.trackNearSimilarity,
    };
    const gap = maxGapMs(link);
    return this.shoppers.locked([`tracks:${tenantId}:${cameraId}`], async (tx) => {
      type Face = TrackFace & { row: CameraFaceRow };
      const asFace = (row: CameraFaceRow): Face => ({ ...row, at: row.at.getTime(), row });
      // The decided face's run of faces, read further forward while it goes on (a face recorded later but decided
      // earlier may continue it). Nothing before the window is needed: the tracks still open there come from what is
      // stored (below). Tracking resumes at the decided face's frame, or at an earlier face of the run still without
      // a track (its own tracking has not run yet), whichever comes first: each face's track depends only on the
      // faces recorded before it, so what is stored before that point stands, and only the faces from there on are
      // linked again, continuing the tracks still open there. A busy camera's decision costs the faces of a few
      // seconds, not its whole unbroken run; Postgres finds the run and the resume point (`cameraRun`), and only the
      // faces from there on come back, with those within the gap before it whose tracks may go on. Their places and
      // tracks only: the vectors are read for the faces linked again.
      // From the gap before the earliest face of the minute before that awaits its tracking (tracking may resume
      // there), else from the gap before this face: tracking resumes at its frame, and of the faces before the resume
      // point only those within the gap matter. The runs found in the window are the same as in the whole minute.
      const untracked = await tx.earliestUntracked(tenantId, cameraId, new Date(at.getTime() - WINDOW_MS), at);
      const from = (untracked ?? at).getTime() - gap - 1;
      let to = at.getTime() + WINDOW_MS;
      let run: Awaited<ReturnType<ShopperRepository['cameraRun']>>;
      for (;;) {
        run = await tx.cameraRun(tenantId, cameraId, faceId, { from: new Date(from), to: new Date(to) }, gap);
        if (!(run?.atEnd && to - at.getTime() < MAX_WINDOW_MS)) break;
        to += WINDOW_MS;
      }
      if (!run) return [];
      const resumeAt = run.faces[run.resume]!;
      const afterKeys = run.faces.slice(run.resume);
      // the stored tracks this touches: those of the faces from there on, and those seen within the gap before it
      const oldIds = [...new Set(run.faces.flatMap((f) => (f.trackId === null ? [] : [f.trackId])))];
      // the faces linked again, whole (a face erased since the first read is simply gone)
      const after = (
        await tx.facesById(
          tenantId,
          afterKeys.map((f) => f.faceId),
        )
      )
        .map(asFace)
        .sort(compareFaces);
      // the stored tracks it touches, and of those begun before the resume point their latest faces before it: all
      // that continuing a track reads, however long it has run (a cashier in view for minutes)
      const before = await tx.tracks(tenantId, oldIds);
      const tails = new Map<string, Face[]>();
      for (const f of (await tx.trackTails(tenantId, oldIds, resumeAt, RECENT_FACES)).map(asFace).sort(compareFaces)) {
        const id = f.row.trackId!;
        tails.set(id, [...(tails.get(id) ?? []), f]);
      }
      const linked = linkTracksFrom(
        before.flatMap((t) => {
          const faces = tails.get(t.id);
          return faces
            ? [{ firstFaceId: t.firstFaceId, faces, startedAt: t.startedAt.getTime(), endedAt: faces.at(-1)!.at }]
            : [];
        }),
        after,
        link,
      );
      const trackOfFace = new Map<string, string>();
      for (const t of linked) for (const f of t.faces) trackOfFace.set(f.faceId, trackIdOf(t.firstFaceId));
      const newIds = new Set(linked.map((t) => trackIdOf(t.firstFaceId)));
      // Only what changed is written: most often one face joins one track, and the segment's other tracks come
      // out as they were stored (same faces, so the same span, centroid and name). Rewriting them all made every
      // decision cost as much as the segment was long.
      const stored = new Map(before.map((t) => [t.id, t]));
      // only the faces linked again can move: a tail keeps its track by construction
      const changed = changedTracks([...newIds], stored, after, trackOfFace);
      const sums = await this.changedSums(tx, tenantId, changed, after, trackOfFace);
      const rule = this.cfg.decision;
      const tracks: NewTrack[] = linked.flatMap((t) => {
        const id = trackIdOf(t.firstFaceId);
        const s = sums.get(id);
        const summary = s && summariseSums(s.sums);
        // a face erased meanwhile can leave a track with no face to sum up
        if (!s || !summary) return [];
        // the track is named by the same rule as a face, from its faces' similarities averaged per identity
        const named = nameFace(summary.matches, rule);
        // its first face's model: the stored one for a track continued from before the resume point
        const continued = stored.get(id);
        const first = t.faces[0] as Face;
        return [
          {
            id,
            storeId: camera.storeId,
            cameraId,
            firstFaceId: t.firstFaceId,
            startedAt: new Date(t.startedAt),
            endedAt: new Date(t.endedAt),
            intervalMs: Math.max(1, Math.round(link.intervalMs)),
            faceCount: s.sums.faces,
            centroid: summary.centroid,
            modelId: continued && first.at < resumeAt.at.getTime() ? continued.modelId : first.row.modelId,
            identityId: named?.identityId ?? null,
            similarity: named?.similarity ?? null,
            sums: s.sums,
            sumsVersion: s.version,
          },
        ];
      });
      const centroids = new Map(tracks.map((t) => [t.id, t.centroid]));

      // The tenant's lock before the first write: another camera's decision regroups a person's visits under it,
      // which updates that person's tracks on every camera, this one's too. Holding rows of this camera's tracks
      // while waiting for the lock deadlocked against it (seen in the full suite: "deadlock detected", the job
      // retried). Linking above stays parallel across cameras; only the writes are taken in turn.
      await tx.lock(`shoppers:${tenantId}`);
      await tx.upsertTracks(tenantId, tracks);
      await tx.assignFaces(tenantId, trackOfFace);
      await tx.deleteTracks(
        tenantId,
        oldIds.filter((id) => !newIds.has(id)),
      );

      const current = await tx.tracks(tenantId, [...newIds]);
      const byId = new Map(current.map((t) => [t.id, t]));
      const categories = await tx.identityCategories(
        tenantId,
        current.map((t) => t.identityId).filter((id): id is string => id !== null),
      );
      // the persons of the tracks that changed or went, before and after: their visits are regrouped
      const keys = new Set(
        before.filter((t) => !newIds.has(t.id) || changed.has(t.id)).flatMap((t) => (t.personKey ? [t.personKey] : [])),
      );
      const decided: TrackRow[] = [];
      for (const t of linked) {
        const row = byId.get(trackIdOf(t.firstFaceId));
        // a face erased meanwhile can leave a track with nothing to sum up, so without a row
        if (!row) continue;
        const vector = centroids.get(row.id) ?? row.centroid;
        // a track kept as stored whose faces' vectors retention has swept stays as it is
        if (!vector) {
          decided.push(row);
          continue;
        }
        const person = await this.personOf(tx, tenantId, row, vector, categories);
        const same = !changed.has(row.id) && person.visitorId === row.visitorId && person.personKey === row.personKey;
        if (!same) {
          // the track's visitor unchanged, only its faces linked again can lack it (those before kept theirs)
          const only =
            person.visitorId === row.visitorId
              ? after.filter((f) => trackOfFace.get(f.faceId) === row.id).map((f) => f.faceId)
              : undefined;
          await tx.setTrackPerson(tenantId, row.id, person, only);
        }
        const now = { ...row, ...person };
        decided.push(now);
        if (same) continue;
        if (now.personKey) keys.add(now.personKey);
        if (row.personKey) keys.add(row.personKey);
        if (
          now.personKey !== row.personKey ||
          now.visitorId !== row.visitorId ||
          row.identityId !== stored.get(row.id)?.identityId
        ) {
          this.events.trackDecided(tenantId, now);
        }
      }
      for (const key of [...keys].sort()) await this.regroupVisits(tx, tenantId, camera.storeId, key);
      return decided;
    });
  }

  /**
   * Who a track counts for: its identity (staff count for nobody), else its anonymous visitor: the one it had,
   * else the visitor whose centroid is closest to the track's (`vector`) at or above the visitor threshold, else a
   * new one.
   */
  private async personOf(
    tx: ShopperRepository,
    tenantId: string,
    track: TrackRow,
    vector: readonly number[],
    categories: ReadonlyMap<string, string>,
  ): Promise<{ visitorId: string | null; personKey: string | null }> {
    if (track.identityId) {
      const category = categories.get(track.identityId);
      if (!category || category === 'staff') return { visitorId: null, personKey: null };
      return { visitorId: null, personKey: identityKey(track.identityId) };
    }
    if (track.visitorId) {
      return { visitorId: track.visitorId, personKey: track.personKey ?? visitorKey(track.visitorId) };
    }
    const nearest = await tx.nearestVisitor(tenantId, vector, track.modelId);
    if (nearest && joinsVisitor(nearest.similarity, this.cfg.decision.visitorThreshold)) {
      await tx.absorbIntoVisitor(tenantId, nearest.visitorId, vector);
      return {
        visitorId: nearest.visitorId,
        personKey: nearest.identityId ? identityKey(nearest.identityId) : visitorKey(nearest.visitorId),
      };
    }
    const visitorId = newVisitorId(track.firstFaceId);
    await tx.createVisitor(tenantId, visitorId, vector, track.modelId);
    return { visitorId, personKey: visitorKey(visitorId) };
  }

  /** Regroups one person's tracks in one store into visits; the caller holds the tenant's lock. */
  async regroupVisits(tx: ShopperRepository, tenantId: string, storeId: string, personKey: string): Promise<void> {
    const tracks = await tx.personTracks(tenantId, storeId, personKey);
    const grouped = groupVisits(
      tracks.map((t) => ({
        ...t,
        trackId: t.id,
        startedAt: t.startedAt.getTime(),
        endedAt: t.endedAt.getTime(),
      })),
      this.cfg.shoppers.visitGapMs,
    );
    const existing = await tx.personVisits(tenantId, storeId, personKey);
    const visitOfTrack = new Map<string, string>();
    const kept = new Set<string>();
    for (const g of grouped) {
      const id = visitIdOf(g.firstTrackId);
      kept.add(id);
      const visit: VisitRow = {
        id,
        storeId,
        personKey,
        identityId: personKey.startsWith('identity:') ? personKey.slice('identity:'.length) : null,
        visitorId: g.sightings.find((s) => s.visitorId)?.visitorId ?? null,
        startedAt: new Date(g.startedAt),
        endedAt: new Date(g.endedAt),
        trackCount: g.sightings.length,
      };
      const old = existing.find((v) => v.id === id);
      if (
        !old ||
        old.endedAt.getTime() !== visit.endedAt.getTime() ||
        old.startedAt.getTime() !== visit.startedAt.getTime() ||
        old.trackCount !== visit.trackCount ||
        old.identityId !== visit.identityId
      ) {
        await tx.upsertVisit(tenantId, visit);
        this.events.visitChanged(tenantId, visit);
      }
      for (const s of g.sightings) visitOfTrack.set(s.trackId, id);
    }
    await tx.setTrackVisits(tenantId, visitOfTrack);
    const gone = existing.filter((v) => !kept.has(v.id));
    await tx.deleteVisits(
      tenantId,
      gone.map((v) => v.id),
    );
    for (const v of gone) this.events.visitChanged(tenantId, v, true);
  }

  /**
   * An identity was enrolled from `embedding`: anonymous visitors who look like it (by the naming threshold)
   * were this person all along, so their tracks and visits now count for the identity.
   */
  async identityEnrolled(
    tenantId: string,
    identity: { id: string; category: string },
    embedding: readonly number[],
    modelId: string,
  ): Promise<number> {
    const identityId = identity.id;
    return this.shoppers.locked([`shoppers:${tenantId}`], async (tx) => {
      const near = await tx.unlinkedVisitorsNear(tenantId, embedding, modelId, this.cfg.decision.threshold);
      const visitors = near.filter((v) => nameFace([{ identityId, similarity: v.similarity }], this.cfg.decision));
      const tracks = await tx.linkVisitors(
        tenantId,
        visitors.map((v) => v.visitorId),
        identityId,
        identity.category === 'staff' ? null : identityKey(identityId),
      );
      const regroup = new Set<string>();
      for (const t of tracks) {
        if (t.personKey) regroup.add(`${t.storeId}|${t.personKey}`);
        regroup.add(`${t.storeId}|${identityKey(identityId)}`);
      }
      for (const entry of [...regroup].sort()) {
        const [storeId, key] = entry.split('|') as [string, string];
        await this.regroupVisits(tx, tenantId, storeId, key);
      }
      return visitors.length;
    });
  }

  /**
   * The sums of each changed track once `trackOfFace` is written: its stored sums with the faces linked again that
   * left it taken out and those that joined it added (every face of a stored track from the resume point on is among
   * `after`, the faces linked again), or, where the stored sums were forgotten (something besides tracking changed
   * the track's faces) or count other than its faces, summed up again from all its faces. With the version they were
   * read at.
   */
  private async changedSums(
    tx: ShopperRepository,
    tenantId: string,
    changed: ReadonlySet<string>,
    after: readonly { faceId: string; row: CameraFaceRow }[],
    trackOfFace: ReadonlyMap<string, string>,
  ): Promise<Map<string, { sums: TrackSums; version: number | null }>> {
    const kept = await tx.trackSums(tenantId, [...changed]);
    const result = new Map<string, { sums: TrackSums; version: number | null }>();
    const resum: string[] = [];
    for (const id of changed) {
      const k = kept.get(id);
      const usable = k?.sums && k.sums.faces === k.faces ? k.sums : null;
      result.set(id, { sums: usable ?? emptySums(), version: k?.version ?? null });
      if (k && !usable) resum.push(id);
    }
    // the faces stored on those summed up again, of which those linked again are moved below like any other
    if (resum.length > 0)
      for (const f of await tx.trackFaces(tenantId, resum)) addToSums(result.get(f.trackId!)!.sums, f);
    for (const f of after) {
      const from = f.row.trackId;
      const to = trackOfFace.get(f.faceId) ?? null;
      if (from === to) continue;
      if (from && result.has(from)) addToSums(result.get(from)!.sums, f.row, -1);
      if (to && result.has(to)) addToSums(result.get(to)!.sums, f.row);
    }
    return result;
  }
}

/**
 * The ids among `ids` (the tracks after linking) whose faces are not the ones stored: new tracks, and tracks a
 * face joined or left. The others are stored exactly so already (the same faces, so the same span, centroid and
 * name).
 */
export function changedTracks(
  ids: readonly string[],
  stored: ReadonlyMap<string, unknown>,
  faces: readonly { faceId: string; row: { trackId: string | null } }[],
  trackOfFace: ReadonlyMap<string, string>,
): Set<string> {
  const changed = new Set(ids.filter((id) => !stored.has(id)));
  for (const f of faces) {
    const now = trackOfFace.get(f.faceId) ?? null;
    if (now === f.row.trackId) continue;
    if (now) changed.add(now);
    if (f.row.trackId) changed.add(f.row.trackId);
  }
  const live = new Set(ids);
  return new Set([...changed].filter((id) => live.has(id)));
}
