import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CameraRepository, StoreRepository } from '@storelens/db';
import { FrameLinks } from '../frames/frame-links';
import type { AlertsQuery, SummaryQuery } from '../query-params';
import type { AlertDto, SummaryDto, SummaryGroupDto } from './aggregates.dto';
import { AGE_BANDS, AggregatesReadRepository, type AgeBand, type SummaryRow } from './aggregates.read-repository';

/** Visitor and demographic summaries, and the watchlist alerts, as the API shows them. */
@Injectable()
export class AggregatesService {
  constructor(
    @Inject(AggregatesReadRepository) private readonly aggregates: AggregatesReadRepository,
    @Inject(FrameLinks) private readonly links: FrameLinks,
    @Inject(StoreRepository) private readonly stores: StoreRepository,
    @Inject(CameraRepository) private readonly cameras: CameraRepository,
  ) {}

  async summary(tenantId: string, q: SummaryQuery): Promise<SummaryDto> {
    // another tenant's store or camera is 404, exactly like an unknown id, never a summary of zeros
    if (q.storeId !== undefined && !(await this.stores.get(tenantId, q.storeId))) {
      throw new NotFoundException('store not found');
    }
    if (q.cameraId !== undefined && !(await this.cameras.get(tenantId, q.cameraId))) {
      throw new NotFoundException('camera not found');
    }
    const rows = await this.aggregates.summary(tenantId, q);
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
    visitors: {
      unique: r.identifiedVisitors + r.anonymousVisitors,
      identified: r.identifiedVisitors,
      anonymous: r.anonymousVisitors,
    },
    staff: { faces: r.staffFaces, people: r.staffPeople },
    // jsonb keeps its own key order; answer in reading order
    gender: { female: r.gender.female, male: r.gender.male },
    ageBands: Object.fromEntries(AGE_BANDS.map((b) => [b.label, r.ageBands[b.label] ?? 0])) as Record<AgeBand, number>,
    emotions: Object.fromEntries(Object.entries(r.emotions).sort(([x], [y]) => x.localeCompare(y))),
  };
}

function group(groupBy: SummaryQuery['groupBy'], r: SummaryRow): SummaryGroupDto {
  switch (groupBy) {
    case 'hour':
      return { hour: (r.key as Date).toISOString(), ...counts(r) };
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
    emotions: {},
  });
}
