import {
  createParamDecorator,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { TenantRepository } from '@storelens/db';

const IS_PUBLIC = 'storelens:public';
/** Marks a route (or controller) that needs no API key: health, metrics, signed links. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export interface AuthenticatedRequest extends Request {
  tenantId?: string;
}

/**
 * Every call needs `Authorization: Bearer <api key>`. The key is looked up by its prefix and checked against its
 * stored SHA-256; the tenant it belongs to scopes everything the request can see.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TenantRepository) private readonly tenants: TenantRepository,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('missing API key: send Authorization: Bearer <api key>');
    const key = await this.tenants.verifyApiKey(match[1]);
    if (!key) throw new UnauthorizedException('invalid or revoked API key');
    req.tenantId = key.tenantId;
    return true;
  }
}

/** The authenticated tenant's id, for every repository call of the request. */
export const TenantId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const id = ctx.switchToHttp().getRequest<AuthenticatedRequest>().tenantId;
  if (!id) throw new UnauthorizedException('not authenticated');
  return id;
});
