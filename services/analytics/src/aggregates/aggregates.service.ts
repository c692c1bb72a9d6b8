import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CameraRepository, StoreRepository } from '@storelens/db';
import { FrameLinks } from '../frames/frame-links';
import type { AlertsQuery, FacesQuery, SummaryQuery } from '../query-params';
import type { AlertDto, SummaryDto, SummaryGroupDto } from './aggregates.dto';
import { EMOTION_LABELS } from '@storelens/db';
import {
  AGE_BANDS,
  AggregatesReadRepository,
  type AgeBand,
  type SightingRow,
  type SummaryRow,
} from './aggregates.read-repository';

/** Visitor and demographic summaries, and the watchlist alerts, as the API shows them. */
@Injectable()
export class AggregatesService {
  constructor(
    @Inject(AggregatesReadRepository) private readonly aggregates: AggregatesReadRepository,
    @Inject(FrameLinks) private readonly links: FrameLinks,
    @Inject(StoreRepository) private readonly stores: StoreRepository,
    @Inject(CameraRepository) private readonly cameras: CameraRepository,
  ) {}

  /** Another tenant's store or camera is 404, exactly like an unknown id, never an answer of zeros or no rows. */
  async requireOwnFilters(tenantId: string, q: { storeId?: string; cameraId?: string }): Promise<void> {
    if (q.storeId !== undefined && !(await this.stores.get(tenantId, q.storeId))) {
      throw new NotFoundException('store not found');
    }
    if (q.cameraId !== undefined && !(await this.cameras.get(tenantId, q.cameraId))) {
      throw new NotFoundException('camera not found');
    }
  }

  async summary(tenantId: string, q: SummaryQuery): Promise<SummaryDto> {
    await this.requireOwnFilters(tenantId, q);
    await this.aggregates.refreshRollups(tenantId);
    const rows = await this.aggregates.summary(tenantId, { ...q, visitors: q.visitors === 'exact' });
    const groups = rows.map((r) => group(q.groupBy, r));
    // groupBy=none always answers one group, with zeros when nothing was seen
    if (q.groupBy === 'none' && groups.length === 0) groups.push(emptyGroup());
    return {
      counts: 'faces',
      from: q.from,
      to: q.to,
      groupBy: q.groupBy,
      storeId: q.storeId ?? null,
      cameraId: q.cameraId ?? null,
      groups,
    };
  }

  /** Sightings in time order, read page by page up to the query's limit (none: all of the range). */
  async *faces(tenantId: string, q: FacesQuery, pageSize = 2000): AsyncGenerator<SightingRow> {
    let left = q.limit ?? Infinity;
    let after: { seenAt: Date; id: string } | null = null;
    while (left > 0) {
      const page = await this.aggregates.facesPage(tenantId, q, after, Math.min(pageSize, left));
      for (const row of page) yield row;
      if (page.length < Math.min(pageSize, left)) return;
      left -= page.length;
      const last = page[page.length - 1]!;
      after = { seenAt: last.seenAt, id: last.id };
    }
  }

  async alerts(tenantId: string, q: AlertsQuery): Promise<AlertDto[]> {
    const now = Date.now();
    return (await this.aggregates.alerts(tenantId, q)).map((a) => ({
      id: a.id,
      seenAt: a.seenAt,
      similarity: a.similarity,
      identity: { id: a.identityId, name: a.identityName, category: a.identityCategory },
      camera: a.cameraId === null ? null : { id: a.cameraId, name: a.cameraName! },
      store: a.storeId === null ? null : { id: a.storeId, name: a.storeName! },
      mediaId: a.mediaId,
      frameId: a.frameId,
      faceId: a.faceId,
      annotatedUrl: this.links.annotatedUrl(tenantId, a.frameId, now),
    }));
  }
}

function counts(r: SummaryRow) {
  return {
    faces: r.faces,
    identified: r.identified,
    unknown: r.unknown,
    pending: r.pending,
    visitors:
      r.identifiedVisitors === null || r.anonymousVisitors === null
        ? null
        : {
            unique: r.identifiedVisitors + r.anonymousVisitors,
            identified: r.identifiedVisitors,
            anonymous: r.anonymousVisitors,
          },
    staff: { faces: r.staffFaces, people: r.staffPeople },
    // jsonb keeps its own key order; answer in reading order
    gender: { female: r.gender.female, male: r.gender.male },
    ageBands: Object.fromEntries(AGE_BANDS.map((b) => [b.label, r.ageBands[b.label] ?? 0])) as Record<AgeBand, number>,
    ageByGender: r.ageByGender,
    emotions: Object.fromEntries(Object.entries(r.emotions).sort(([x], [y]) => x.localeCompare(y))),
  };
}

function group(groupBy: SummaryQuery['groupBy'], r: SummaryRow): SummaryGroupDto {
  switch (groupBy) {
    case 'hour':
      return { hour: (r.key as Date).toISOString(), ...counts(r) };
    case 'day':
      return { day: (r.key as Date).toISOString(), ...counts(r) };
    case 'camera':
      return {
        cameraId: r.key as string,
        cameraName: r.cameraName!,
        storeId: r.storeId!,
        storeName: r.storeName!,
        ...counts(r),
      };
    case 'store':
      return { storeId: r.key as string, storeName: r.storeName!, ...counts(r) };
    case 'none':
      return counts(r);
  }
}

function emptyGroup(): SummaryGroupDto {
  const ageBands = Object.fromEntries(AGE_BANDS.map((b) => [b.label, 0])) as Record<AgeBand, number>;
  return counts({
    key: 'all',
    cameraName: null,
    storeId: null,
    storeName: null,
    faces: 0,
    identified: 0,
    unknown: 0,
    pending: 0,
    identifiedVisitors: 0,
    anonymousVisitors: 0,
    staffFaces: 0,
    staffPeople: 0,
    gender: { female: 0, male: 0 },
    ageBands,
    ageByGender: { female: { ...ageBands }, male: { ...ageBands } },
    emotions: {},
  });
}

const KEY_COLUMNS: Record<SummaryQuery['groupBy'], (keyof SummaryGroupDto)[]> = {
  hour: ['hour'],
  day: ['day'],
  camera: ['cameraId', 'cameraName', 'storeId', 'storeName'],
  store: ['storeId', 'storeName'],
  none: [],
};

/** The summary as one CSV row per group: the group's key columns, then every count under a flat name. */
export function summaryTable(s: SummaryDto): { columns: string[]; rows: Record<string, unknown>[] } {
  const columns = [
    ...KEY_COLUMNS[s.groupBy],
    'faces',
    'identified',
    'unknown',
    'pending',
    'visitorsUnique',
    'visitorsIdentified',
    'visitorsAnonymous',
    'staffFaces',
    'staffPeople',
    'female',
    'male',
    ...AGE_BANDS.map((b) => `age ${b.label}`),
    ...EMOTION_LABELS.map((e) => `emotion ${e}`),
  ];
  const rows = s.groups.map((g) => ({
    ...Object.fromEntries(KEY_COLUMNS[s.groupBy].map((k) => [k, g[k]])),
    faces: g.faces,
    identified: g.identified,
    unknown: g.unknown,
    pending: g.pending,
    visitorsUnique: g.visitors?.unique ?? null,
    visitorsIdentified: g.visitors?.identified ?? null,
    visitorsAnonymous: g.visitors?.anonymous ?? null,
    staffFaces: g.staff.faces,
    staffPeople: g.staff.people,
    female: g.gender.female,
    male: g.gender.male,
    ...Object.fromEntries(AGE_BANDS.map((b) => [`age ${b.label}`, g.ageBands[b.label]])),
    ...Object.fromEntries(EMOTION_LABELS.map((e) => [`emotion ${e}`, g.emotions[e] ?? 0])),
  }));
  return { columns, rows };
}

export const SIGHTING_COLUMNS: (keyof SightingRow)[] = [
  'id',
  'seenAt',
  'storeId',
  'cameraId',
  'zone',
  'mediaId',
  'frameId',
  'status',
  'identityId',
  'identityCategory',
  'visitorId',
  'similarity',
  'age',
  'gender',
  'emotion',
];

export const ALERT_COLUMNS = [
  'id',
  'seenAt',
  'identityId',
  'identityName',
  'identityCategory',
  'similarity',
  'storeId',
  'storeName',
  'cameraId',
  'cameraName',
  'mediaId',
  'frameId',
  'faceId',
  'annotatedUrl',
];

/** An alert as one flat CSV row. */
export function alertRow(a: AlertDto): Record<string, unknown> {
  return {
    id: a.id,
    seenAt: a.seenAt,
    identityId: a.identity.id,
    identityName: a.identity.name,
    identityCategory: a.identity.category,
    similarity: a.similarity,
    storeId: a.store?.id ?? null,
    storeName: a.store?.name ?? null,
    cameraId: a.camera?.id ?? null,
    cameraName: a.camera?.name ?? null,
    mediaId: a.mediaId,
    frameId: a.frameId,
    faceId: a.faceId,
    annotatedUrl: a.annotatedUrl,
  };
}
