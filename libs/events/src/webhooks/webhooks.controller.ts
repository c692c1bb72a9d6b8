import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { WebhookDelivery } from '@storelens/db';
import { IdPipe, parseOr400, TenantId } from '@storelens/platform';
import { DeliveryDto, NewWebhookDto, NewWebhookSchema, WebhookCreatedDto, WebhookDto } from './webhooks.dto';
import { WebhooksService } from './webhooks.service';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe a URL to events (signed JSON POSTs); the secret is shown only here' })
  @ApiBody({ type: NewWebhookDto })
  @ApiCreatedResponse({ type: WebhookCreatedDto })
  @ApiBadRequestResponse({ description: 'bad URL (scheme, credentials, a denied host), unknown event type' })
  async create(@TenantId() tenantId: string, @Body() body: unknown): Promise<WebhookCreatedDto> {
    return this.webhooks.create(tenantId, parseOr400(NewWebhookSchema, body ?? {}));
  }

  @Get()
  @ApiOperation({ summary: 'The webhooks (never their secrets)' })
  @ApiOkResponse({ type: [WebhookDto] })
  async list(@TenantId() tenantId: string): Promise<WebhookDto[]> {
    return (await this.webhooks.list(tenantId)).map((w) => ({ ...w, createdAt: iso(w.createdAt)! }));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a webhook and its delivery log' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async delete(@TenantId() tenantId: string, @Param('id', new IdPipe('webhook')) id: string): Promise<void> {
    await this.webhooks.delete(tenantId, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The latest deliveries: status, tries, last HTTP status and error' })
  @ApiOkResponse({ type: [DeliveryDto] })
  @ApiNotFoundResponse()
  async deliveries(
    @TenantId() tenantId: string,
    @Param('id', new IdPipe('webhook')) id: string,
  ): Promise<DeliveryDto[]> {
    return (await this.webhooks.deliveries(tenantId, id)).map((d: WebhookDelivery) => ({
      ...d,
      createdAt: iso(d.createdAt)!,
      updatedAt: iso(d.updatedAt)!,
      deliveredAt: iso(d.deliveredAt),
    }));
  }
}
