import {
  absorbCentroid,
  VisitorBook,
  ageBand,
  DEFAULT_LINK_OPTIONS,
  dwellByZone,
  emotionTimeline,
  groupVisits,
  linkTracks,
  linkTracksFrom,
  RECENT_FACES,
  compareFaces,
  matchTransactions,
  percentile,
  periodOf,
  recordedAt,
  robustAge,
  voteGender,
  type Sighting,
  type LinkedTrack,
  type TrackFace,
} from './index';

/** A deterministic pseudo-random generator, so shuffles are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const r = rng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A unit vector near the person's base direction, with a little per-frame noise. */
function embeddingOf(person: number, noise: number, r: () => number): number[] {
  const v = Array.from({ length: 16 }, (_, i) => (i === person ? 1 : 0) + (r() - 0.5) * noise);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const options = { ...DEFAULT_LINK_OPTIONS, intervalMs: 200 };

/** People walking across a camera: person p is in frames [from, to) moving right, boxes never crossing. */
function scene(people: { person: number; from: number; to: number; y: number }[], seed = 1, noise = 0.4): TrackFace[] {
  const r = rng(seed);
  const faces: TrackFace[] = [];
  for (let frame = 0; frame < 40; frame++) {
    let faceIndex = 0;
    for (const p of people) {
      if (frame < p.from || frame >= p.to) continue;
      faces.push({
        faceId: `f${frame}-${p.person}`,
        frameId: `fr${frame}`,
        at: 1_000_000 + frame * 200,
        mediaId: 'm1',
        frameIndex: frame,
        faceIndex: faceIndex++,
        box: { x: 10 + frame * 8, y: p.y, w: 60, h: 60 },
        embedding: embeddingOf(p.person, noise, r),
      });
    }
  }
  return faces;
}

const personOf = (faceId: string) => faceId.split('-')[1];

describe('linkTracks', () => {
  const people = [
    { person: 0, from: 0, to: 30, y: 0 },
    { person: 1, from: 5, to: 20, y: 200 },
    { person: 2, from: 25, to: 40, y: 100 },
  ];

  it('gives one track per person in view, each holding only that person', () => {
    const tracks = linkTracks(scene(people), options);
    expect(tracks).toHaveLength(3);
    for (const t of tracks) expect(new Set(t.faces.map((f) => personOf(f.faceId))).size).toBe(1);
    expect(tracks.map((t) => t.faces.length)).toEqual([30, 15, 15]);
  });

  it('gives the same tracks whatever order the faces arrive in', () => {
    const faces = scene(people);
    const reference = JSON.stringify(linkTracks(faces, options));
    for (const seed of [2, 3, 4, 5, 6])
      expect(JSON.stringify(linkTracks(shuffled(faces, seed), options))).toBe(reference);
  });

  it('ends a track after more than maxGapFrames frames without the person, and continues it after fewer', () => {
    const faces = scene([{ person: 0, from: 0, to: 20, y: 0 }]);
    const shortGap = faces.filter((f) => f.frameIndex < 5 || f.frameIndex >= 8); // 3 frames missing
    expect(linkTracks(shortGap, options)).toHaveLength(1);
    const longGap = faces.filter((f) => f.frameIndex < 5 || f.frameIndex >= 10); // 5 frames missing
    expect(linkTracks(longGap, options)).toHaveLength(2);
  });

  it('ends a track maxTrackMs after its first face: a person in view for 25 minutes is three consecutive tracks', () => {
    const r = rng(11);
    const faces: TrackFace[] = Array.from({ length: 25 * 60 * 2 }, (_, i) => ({
      faceId: `f${i}-0`,
      frameId: `fr${i}`,
      at: 1_000_000 + i * 500,
      mediaId: 'm',
      frameIndex: i,
      faceIndex: 0,
      box: { x: 100, y: 100, w: 60, h: 60 },
      embedding: embeddingOf(0, 0.2, r),
    }));
    const tracks = linkTracks(faces, { ...DEFAULT_LINK_OPTIONS, intervalMs: 500 });
    expect(DEFAULT_LINK_OPTIONS.maxTrackMs).toBe(600_000);
    expect(tracks.map((t) => t.faces.length)).toEqual([1201, 1201, 598]);
    expect(tracks.map((t) => t.endedAt - t.startedAt)).toEqual([600_000, 600_000, 298_500]);
    // consecutive: each begins one frame after the last ended, and every face is in exactly one
    expect(tracks[1]!.startedAt - tracks[0]!.endedAt).toBe(500);
    expect(tracks.flatMap((t) => t.faces).length).toBe(faces.length);
  });

  it('does not join two people standing at the same place one after the other', () => {
    const r = rng(9);
    const at = (i: number) => 1_000_000 + i * 200;
    const face = (i: number, person: number): TrackFace => ({
      faceId: `f${i}-${person}`,
      frameId: `fr${i}`,
      at: at(i),
      mediaId: 'm',
      frameIndex: i,
      faceIndex: 0,
      box: { x: 100, y: 100, w: 50, h: 50 },
      embedding: embeddingOf(person, 0.1, r),
    });
    const tracks = linkTracks([face(0, 0), face(1, 0), face(2, 1), face(3, 1)], options);
    expect(tracks.map((t) => t.faces.map((f) => f.faceId))).toEqual([
      ['f0-0', 'f1-0'],
      ['f2-1', 'f3-1'],
    ]);
  });
});

describe('linkTracksFrom', () => {
  const crowd = [
    { person: 0, from: 0, to: 14, y: 0 },
    { person: 1, from: 3, to: 9, y: 100 },
    { person: 2, from: 8, to: 30, y: 200 },
    { person: 0, from: 20, to: 26, y: 0 },
    { person: 3, from: 12, to: 40, y: 300 },
  ];
  const ids = (tracks: { faces: { faceId: string }[] }[]) => tracks.map((t) => t.faces.map((f) => f.faceId));

  it('resumed at any frame gives exactly the tracks of linking every face at once', () => {
    for (const seed of [1, 2, 3]) {
      const faces = [...scene(crowd, seed)].sort(compareFaces);
      const whole = linkTracks(faces, options);
      for (let k = 0; k < faces.length; k++) {
        if (k > 0 && faces[k]!.frameId === faces[k - 1]!.frameId) continue; // resume at a frame's first face
        const before = linkTracks(faces.slice(0, k), options);
        expect(ids(linkTracksFrom(before, faces.slice(k), options))).toEqual(ids(whole));
      }
    }
  });

  it('resumed at any frame gives the tracks of linking every face at once, also where tracks reach maxTrackMs', () => {
    const capped = { ...options, maxTrackMs: 1_000 }; // at most 6 faces a track at 200 ms a frame
    for (const seed of [1, 2]) {
      const faces = [...scene(crowd, seed)].sort(compareFaces);
      const whole = linkTracks(faces, capped);
      expect(Math.max(...whole.map((t) => t.endedAt - t.startedAt))).toBeLessThanOrEqual(1_000);
      expect(whole.length).toBeGreaterThan(linkTracks(faces, options).length);
      for (let k = 0; k < faces.length; k++) {
        if (k > 0 && faces[k]!.frameId === faces[k - 1]!.frameId) continue;
        const before = linkTracks(faces.slice(0, k), capped);
        expect(ids(linkTracksFrom(before, faces.slice(k), capped))).toEqual(ids(whole));
      }
    }
  });

  it('needs only the tracks still open where it resumes: closed ones come back as they were', () => {
    const faces = [...scene(crowd, 4)].sort(compareFaces);
    const k = faces.findIndex((f) => f.frameId === 'fr20');
    const before = linkTracks(faces.slice(0, k), options);
    const open = before.filter((t) => faces[k]!.at - t.endedAt <= 2 * options.intervalMs * 4);
    const resumed = linkTracksFrom(open, faces.slice(k), options);
    const closed = before.filter((t) => !open.includes(t));
    expect(ids([...closed, ...resumed].sort((a, b) => compareFaces(a.faces[0]!, b.faces[0]!)))).toEqual(
      ids(linkTracks(faces, options)),
    );
  });

  it("needs of each track before only its first face's id, its start and its latest RECENT_FACES faces", () => {
    // noisy faces (a face alone can look unlike the last one, the recent ones together do not) and short tracks
    const capped = { ...options, maxTrackMs: 2_000 };
    const trackOf = (tracks: LinkedTrack[]) =>
      new Map(tracks.flatMap((t) => t.faces.map((f) => [f.faceId, t.firstFaceId] as const)));
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const faces = [...scene(crowd, seed, 1.5)].sort(compareFaces);
      const whole = linkTracks(faces, capped);
      const want = trackOf(whole);
      for (let k = 1; k < faces.length; k++) {
        if (faces[k]!.frameId === faces[k - 1]!.frameId) continue;
        const tails = linkTracks(faces.slice(0, k), capped).map((t) => ({ ...t, faces: t.faces.slice(-RECENT_FACES) }));
        const resumed = linkTracksFrom(tails, faces.slice(k), capped);
        const got = trackOf(resumed);
        // every face from the resume point on joins the track it joins when all faces are linked at once
        expect(faces.slice(k).map((f) => got.get(f.faceId))).toEqual(faces.slice(k).map((f) => want.get(f.faceId)));
        // and the tracks come out in the same order, each holding its tail and what joined it
        expect(resumed.map((t) => t.firstFaceId)).toEqual(whole.map((t) => t.firstFaceId));
      }
    }
  });
});

describe('per-person estimates', () => {
  it('votes gender by confidence', () => {
    expect(
      voteGender([
        { gender: 'male', genderConfidence: 0.9 },
        { gender: 'female', genderConfidence: 0.55 },
        { gender: 'female', genderConfidence: 0.5 },
        { gender: null, genderConfidence: null },
      ]),
    ).toEqual({ label: 'female', confidence: expect.closeTo(1.05 / 1.95, 9) });
    expect(voteGender([])).toBeNull();
  });
  it('takes a robust age that one wild estimate does not move', () => {
    expect(robustAge([30, 31, 29, 90, 30, 2, 32, 30])).toBe(30.25);
    expect(robustAge([40, null, 20])).toBe(20);
    expect(robustAge([])).toBeNull();
  });
  it('builds an emotion timeline of runs', () => {
    expect(
      emotionTimeline([
        { at: 3, emotion: 'happy' },
        { at: 1, emotion: 'neutral' },
        { at: 2, emotion: 'neutral' },
        { at: 4, emotion: null },
      ]),
    ).toEqual([
      { emotion: 'neutral', from: 1, to: 2, faces: 2 },
      { emotion: 'happy', from: 3, to: 3, faces: 1 },
    ]);
  });
  it('bands ages like the face summary', () => {
    expect([ageBand(9.4), ageBand(9.6), ageBand(64), ageBand(null)]).toEqual(['0-9', '10-19', '60+', 'unknown']);
  });
});

describe('recordedAt', () => {
  const receivedAt = new Date('2026-11-28T12:00:00Z');
  it('prefers capturedAt, then the container time, then the upload time minus the duration', () => {
    const capturedAt = new Date('2026-11-28T09:00:00Z');
    const containerCreatedAt = new Date('2026-11-28T10:00:00Z');
    expect(recordedAt({ capturedAt, containerCreatedAt, durationMs: 10_000, receivedAt })).toEqual({
      at: capturedAt,
      source: 'capturedAt',
    });
    expect(recordedAt({ containerCreatedAt, durationMs: 10_000, receivedAt }).source).toBe('container');
    expect(recordedAt({ durationMs: 10_000, receivedAt })).toEqual({
      at: new Date('2026-11-28T11:59:50Z'),
      source: 'received',
    });
  });
  it('never lets the last frame lie in the future', () => {
    const future = new Date('2026-11-28T13:00:00Z');
    expect(recordedAt({ capturedAt: future, durationMs: 10_000, receivedAt }).at).toEqual(
      new Date('2026-11-28T11:59:50Z'),
    );
    expect(recordedAt({ containerCreatedAt: future, receivedAt }).at).toEqual(receivedAt);
  });
});

describe('visits', () => {
  const s = (trackId: string, cameraId: string, from: number, to: number): Sighting => ({
    trackId,
    cameraId,
    startedAt: from * 60_000,
    endedAt: to * 60_000,
    intervalMs: 1000,
  });
  const gap = 30 * 60_000;
  const sightings = [s('t1', 'door', 0, 1), s('t2', 'shelf', 2, 10), s('t3', 'till', 11, 12), s('t4', 'door', 60, 61)];

  it('splits a person’s sightings at gaps over the visit gap, in any order', () => {
    const visits = groupVisits(sightings, gap);
    expect(visits.map((v) => v.sightings.map((x) => x.trackId))).toEqual([['t1', 't2', 't3'], ['t4']]);
    expect(visits[0]).toMatchObject({ firstTrackId: 't1', startedAt: 0, endedAt: 12 * 60_000 + 1000 });
    for (const seed of [1, 2, 3]) expect(groupVisits(shuffled(sightings, seed), gap)).toEqual(visits);
  });

  it('counts dwell per zone once where two cameras of one zone overlap', () => {
    const places: Record<string, { zone: string; kind: string }> = {
      door: { zone: 'entrance', kind: 'entrance' },
      shelf: { zone: 'aisle 1', kind: 'floor' },
      shelf2: { zone: 'aisle 1', kind: 'floor' },
    };
    const zones = dwellByZone([s('a', 'shelf', 0, 2), s('b', 'shelf2', 1, 3), s('c', 'door', 5, 5)], (c) => places[c]);
    expect(zones).toEqual([
      { zone: 'aisle 1', kind: 'floor', dwellMs: 3 * 60_000 + 1000 },
      { zone: 'entrance', kind: 'entrance', dwellMs: 1000 },
    ]);
  });

  it('finds percentiles', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('matches a sale to the visit seen at the checkout closest in time, within the window', () => {
    const checkout = [
      { visitId: 'v1', cameraId: 'till1', startedAt: 0, endedAt: 10_000, intervalMs: 1000 },
      { visitId: 'v2', cameraId: 'till2', startedAt: 30_000, endedAt: 40_000, intervalMs: 1000 },
    ];
    const matched = matchTransactions(
      [
        { id: 'during', at: 5_000, checkoutCameraId: null },
        { id: 'after', at: 50_000, checkoutCameraId: null },
        { id: 'named', at: 20_000, checkoutCameraId: 'till1' },
        { id: 'late', at: 200_000, checkoutCameraId: null },
      ],
      checkout,
      60_000,
    );
    expect(Object.fromEntries(matched)).toEqual({ during: 'v1', after: 'v2', named: 'v1' });
  });

  it('buckets in the store’s time zone', () => {
    const at = Date.parse('2026-11-28T23:30:00Z');
    expect(periodOf(at, 'Europe/Berlin', 'hour')).toBe('2026-11-29T00:00');
    expect(periodOf(at, 'America/New_York', 'day')).toBe('2026-11-28');
    expect(periodOf(at, 'UTC', 'none')).toBe('all');
  });
});

describe('VisitorBook (the visitor rule in memory)', () => {
  const unit = (...xs: number[]) => {
    const n = Math.hypot(...xs);
    return xs.map((x) => x / n);
  };

  it('joins a sighting to the most similar visitor at or above the threshold, else starts a new one', () => {
    const book = new VisitorBook(0.5);
    expect(book.assign(unit(1, 0, 0))).toEqual({ visitor: 0, similarity: null, joined: false });
    expect(book.assign(unit(0, 1, 0))).toMatchObject({ visitor: 1, joined: false });
    // cos 0.6 to visitor 0 and 0.8 to visitor 1: the nearer one
    expect(book.assign(unit(0.6, 0.8, 0))).toMatchObject({ visitor: 1, joined: true });
    // exactly at the threshold joins (the same comparison the service makes)
    expect(book.assign(unit(0.5, 0, Math.sqrt(0.75)))).toMatchObject({ visitor: 0, joined: true });
    // visitor 0 has moved towards the last sighting; a face facing the other way is nobody seen yet
    expect(book.assign(unit(0, 0, -1))).toMatchObject({ visitor: 2, joined: false });
    expect(book.size).toBe(3);
  });

  it('moves a visitor to the running mean of its sightings', () => {
    const book = new VisitorBook(0.3);
    book.assign(unit(1, 0));
    book.assign(unit(0.6, 0.8)); // joins (0.6): centroid now the normalised mean of (1,0) and (0.6,0.8)
    const mean = absorbCentroid(unit(1, 0), 1, unit(0.6, 0.8));
    expect(mean[0]).toBeCloseTo(0.894, 3);
    // a sighting at cos 0.2 from the first vector but nearer the moved centroid joins it
    expect(book.assign(unit(0.2, Math.sqrt(0.96)))).toMatchObject({ visitor: 0, joined: true });
  });
});
