import { centroid, cosine } from './vectors';

/** A face box in frame pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One decided face of a camera, as the tracker sees it. */
export interface TrackFace {
  faceId: string;
  /** The frame it is in; faces of one frame never join one track. */
  frameId: string;
  /** When its frame was recorded (ms since epoch). */
  at: number;
  /** Tie-breakers for frames recorded at the same instant: media, then frame index, then face index. */
  mediaId: string;
  frameIndex: number;
  faceIndex: number;
  box: Box;
  /** The face's unit embedding. */
  embedding: readonly number[];
}

export interface LinkOptions {
  /** The camera's sampling interval (1000 / fps). */
  intervalMs: number;
  /** A track ends after more than this many sampled frames without its person. */
  maxGapFrames: number;
  /** Embedding similarity that links two faces whatever their positions (the same person re-found). */
  strongSimilarity: number;
  /** Embedding similarity that links two faces when their boxes also overlap or are near. */
  weakSimilarity: number;
  /**
   * A track takes no face more than this long after its first: a person in view for hours (a cashier at the till)
   * becomes consecutive tracks of one visitor, and tracking a new face reads at most this much of a track.
   */
  maxTrackMs: number;
}

export const DEFAULT_LINK_OPTIONS: Omit<LinkOptions, 'intervalMs'> = {
  maxGapFrames: 3,
  strongSimilarity: 0.5,
  weakSimilarity: 0.2,
  maxTrackMs: 10 * 60_000,
};

/** A track: faces of one person in consecutive frames, in frame order. Its key is its first face's id. */
export interface LinkedTrack {
  firstFaceId: string;
  faces: TrackFace[];
  startedAt: number;
  endedAt: number;
}

/** A face's place in recording order: what `compareFaces` reads. */
export type FacePlace = Pick<TrackFace, 'faceId' | 'at' | 'mediaId' | 'frameIndex' | 'faceIndex'>;

/** Total order of faces: recording time, then media, frame and face index (ids only as the last resort). */
export function compareFaces(a: FacePlace, b: FacePlace): number {
  return (
    a.at - b.at ||
    cmp(a.mediaId, b.mediaId) ||
    a.frameIndex - b.frameIndex ||
    a.faceIndex - b.faceIndex ||
    cmp(a.faceId, b.faceId)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Distance between box centres in units of the boxes' mean size. */
export function centreDistance(a: Box, b: Box): number {
  const dx = a.x + a.w / 2 - (b.x + b.w / 2);
  const dy = a.y + a.h / 2 - (b.y + b.h / 2);
  const size = (Math.max(a.w, a.h) + Math.max(b.w, b.h)) / 2;
  return size > 0 ? Math.hypot(dx, dy) / size : Infinity;
}

/** How long a track may go unseen and still continue (a little slack for frame-time jitter). */
export function maxGapMs(o: Pick<LinkOptions, 'intervalMs' | 'maxGapFrames'>): number {
  return (o.maxGapFrames + 1.5) * o.intervalMs;
}

/**
 * How many of a track's latest faces stand for how its person looks now: all that continuing a track reads of it
 * (`linkTracksFrom`).
 */
export const RECENT_FACES = 5;

interface OpenTrack {
  track: LinkedTrack;
  last: TrackFace;
  /** its latest RECENT_FACES faces' embeddings */
  embeddings: (readonly number[])[];
}

/**
 * Links a camera's faces into tracks. Frames are taken in recording order; each face joins the open track it
 * fits best (embedding similarity plus box overlap), greedily by score with a total tie-break, or starts a new one.
 * A track fits when it began at most `maxTrackMs` before the face, its person was seen at most `maxGapFrames` frames
 * ago, and either the faces look strongly
 * alike, or they look somewhat alike and the boxes overlap or are close. The result depends only on the set of
 * faces, never on the order they are passed in, so any worker that recomputes a camera's window from the
 * database arrives at the same tracks.
 */
export function linkTracks(input: readonly TrackFace[], options: LinkOptions): LinkedTrack[] {
  return linkTracksFrom([], input, options);
}

/**
 * linkTracks resumed part-way: `before` are the tracks of every face recorded before the first of `input` (as
 * linkTracks made them: each face's track depends only on the faces recorded before it), and `input` the faces from
 * there on. The result is what linkTracks gives for all of them together, for the cost of the faces from there on:
 * the tracks still open where `input` begins are continued, the others stay as they were. Of each track before,
 * only its first face's id, its start and its latest RECENT_FACES faces are read: given just those, each input
 * face joins the same track, and the result's tracks hold those faces and the ones that joined them.
 */
export function linkTracksFrom(
  before: readonly LinkedTrack[],
  input: readonly TrackFace[],
  options: LinkOptions,
): LinkedTrack[] {
  const faces = [...input].sort(compareFaces);
  const gap = maxGapMs(options);
  const open: OpenTrack[] = before.map((t) => ({
    track: { ...t, faces: [...t.faces] },
    last: t.faces[t.faces.length - 1]!,
    embeddings: t.faces.slice(-RECENT_FACES).map((f) => f.embedding),
  }));
  const done: LinkedTrack[] = [];
  let i = 0;
  while (i < faces.length) {
    const frameId = faces[i]!.frameId;
    const frame: TrackFace[] = [];
    while (i < faces.length && faces[i]!.frameId === frameId) frame.push(faces[i++]!);
    const at = frame[0]!.at;
    // close tracks whose person has been gone too long
    for (let k = open.length - 1; k >= 0; k--) {
      if (at - open[k]!.last.at > gap) done.push(open.splice(k, 1)[0]!.track);
    }
    const pairs: { t: OpenTrack; f: TrackFace; score: number }[] = [];
    for (const t of open) {
      for (const f of frame) {
        const score = fit(t, f, options);
        if (score !== null) pairs.push({ t, f, score });
      }
    }
    pairs.sort(
      (a, b) => b.score - a.score || cmp(a.t.track.firstFaceId, b.t.track.firstFaceId) || cmp(a.f.faceId, b.f.faceId),
    );
    const usedTracks = new Set<OpenTrack>();
    const usedFaces = new Set<TrackFace>();
    for (const { t, f } of pairs) {
      if (usedTracks.has(t) || usedFaces.has(f)) continue;
      usedTracks.add(t);
      usedFaces.add(f);
      t.track.faces.push(f);
      t.track.endedAt = f.at;
      t.last = f;
      t.embeddings.push(f.embedding);
      if (t.embeddings.length > RECENT_FACES) t.embeddings.shift();
    }
    for (const f of frame) {
      if (usedFaces.has(f)) continue;
      open.push({
        track: { firstFaceId: f.faceId, faces: [f], startedAt: f.at, endedAt: f.at },
        last: f,
        embeddings: [f.embedding],
      });
    }
  }
  done.push(...open.map((t) => t.track));
  // by start, then first face: what a track keeps of its beginning when only its latest faces were given
  return done.sort((a, b) => a.startedAt - b.startedAt || cmp(a.firstFaceId, b.firstFaceId));
}

/** The score of adding face f to track t, or null when it does not fit. */
function fit(t: OpenTrack, f: TrackFace, o: LinkOptions): number | null {
  if (f.at === t.last.at && f.frameId === t.last.frameId) return null;
  if (f.at - t.track.startedAt > o.maxTrackMs) return null;
  // the recent faces say most about how the person looks now
  const recent = centroid(t.embeddings);
  const similarity = Math.max(cosine(f.embedding, t.last.embedding), cosine(f.embedding, recent));
  const overlap = iou(f.box, t.last.box);
  const near = centreDistance(f.box, t.last.box);
  const framesApart = Math.max(1, Math.round((f.at - t.last.at) / o.intervalMs));
  const close = overlap >= 0.1 || near <= 0.75 * framesApart;
  if (similarity >= o.strongSimilarity || (similarity >= o.weakSimilarity && close)) {
    return similarity + overlap + (close ? 0.25 : 0);
  }
  return null;
}
