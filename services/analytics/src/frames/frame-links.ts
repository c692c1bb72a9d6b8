import { ForbiddenException, Injectable } from '@nestjs/common';
import { requireUrlSecret, type StoreLensConfig } from '@storelens/config';
import { checkSignedLink, InjectConfig, signPath } from '@storelens/platform';

/** How long a link to an annotated frame works: long enough to look at a result, short enough not to leak. */
export const FRAME_LINK_TTL_SECONDS = 3600;

/** The query string of a signed link, as it arrives (a repeated parameter arrives as an array). */
export interface SignedLinkQuery {
  t?: unknown;
  exp?: unknown;
  sig?: unknown;
}

/**
 * Signed links to annotated frames, which a browser (an <img> tag) can open without an Authorization header. The
 * signature covers the path, the tenant and the expiry; the link lives under the public base URL (the gateway).
 */
@Injectable()
export class FrameLinks {
  private readonly secret: string;
  private readonly baseUrl: string;

  constructor(@InjectConfig() cfg: StoreLensConfig) {
    this.secret = requireUrlSecret(cfg);
    this.baseUrl = cfg.api.publicBaseUrl.replace(/\/+$/, '');
  }

  static path(frameId: string): string {
    return `/v1/frames/${frameId}/annotated.jpg`;
  }

  /** The signed URL of a frame's annotated image, valid for FRAME_LINK_TTL_SECONDS from `now`. */
  annotatedUrl(tenantId: string, frameId: string, now = Date.now()): string {
    const path = FrameLinks.path(frameId);
    return `${this.baseUrl}${path}?${signPath(this.secret, path, tenantId, FRAME_LINK_TTL_SECONDS, now).query}`;
  }

  /** True when the request carries any part of a signed link (as opposed to an API key). */
  static isSigned(q: SignedLinkQuery): boolean {
    return q.t !== undefined || q.exp !== undefined || q.sig !== undefined;
  }

  /** The tenant a signed link was issued to; 403 with the reason when it is incomplete, expired or altered. */
  verify(frameId: string, q: SignedLinkQuery, now = Date.now()): string {
    const { t, exp, sig } = q;
    if (typeof t !== 'string' || typeof exp !== 'string' || typeof sig !== 'string' || !t || !exp || !sig) {
      throw new ForbiddenException('incomplete signed link: t, exp and sig are each needed once');
    }
    switch (checkSignedLink(this.secret, FrameLinks.path(frameId), { t, exp, sig }, now)) {
      case 'malformed':
        throw new ForbiddenException('malformed signed link: exp is not a Unix time in canonical decimal form');
      case 'expired':
        throw new ForbiddenException('signed link has expired: fetch the media again for a new one');
      case 'too-long':
        throw new ForbiddenException('signed link outlives the longest lifetime a link may have');
      case 'bad-signature':
        throw new ForbiddenException('invalid signature: the link was altered or signed with another secret');
      case null:
        break;
    }
    return t;
  }
}
