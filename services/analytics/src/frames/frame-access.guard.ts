import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { TenantRepository } from '@storelens/db';
import type { AuthenticatedRequest } from '@storelens/platform';
import { FrameLinks, type SignedLinkQuery } from './frame-links';

/**
 * Access to an annotated frame: either a signed link (what the media response hands out, for browsers) or, without
 * one, the usual API key. The route is @Public() so the global API-key guard lets it through; this guard then sets
 * the request's tenant exactly as that guard would, so @TenantId() works the same.
 */
@Injectable()
export class FrameAccessGuard implements CanActivate {
  constructor(
    @Inject(FrameLinks) private readonly links: FrameLinks,
    @Inject(TenantRepository) private readonly tenants: TenantRepository,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const query = req.query as SignedLinkQuery;
    if (FrameLinks.isSigned(query)) {
      req.tenantId = this.links.verify(String(req.params.frameId), query);
      return true;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) {
      throw new UnauthorizedException('missing credentials: open the signed annotatedUrl, or send an API key');
    }
    const key = await this.tenants.verifyApiKey(match[1]);
    if (!key) throw new UnauthorizedException('invalid or revoked API key');
    req.tenantId = key.tenantId;
    return true;
  }
}
