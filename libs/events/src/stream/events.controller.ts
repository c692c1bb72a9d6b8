import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { EventRepository, type StoredEvent } from '@storelens/db';
import { parseOr400, TenantId } from '@storelens/platform';
import type { Request, Response } from 'express';
import { EventBus } from '../event-bus';
import { EventStreamQuerySchema } from '../webhooks/webhooks.dto';

/** Re-read the log this often even without a wake-up (a lost pub/sub message costs at most this). */
const REREAD_MS = 5000;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
const PAGE = 500;

/** One event as an SSE message: the id makes the client's EventSource resume after it. */
export function sseMessage(e: StoredEvent): string {
  const body = { id: e.id, type: e.type, occurredAt: new Date(e.occurredAt).toISOString(), data: e.data };
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(body)}\n\n`;
}

@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(
    @Inject(EventRepository) private readonly events: EventRepository,
    @Inject(EventBus) private readonly bus: EventBus,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The tenant’s events as Server-Sent Events, from now or resumed after Last-Event-ID',
    description: 'Each message: `id`, `event` (the type) and `data` = {id, type, occurredAt, data}.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this event id' })
  @ApiQuery({ name: 'types', required: false, description: 'comma-separated event types' })
  @ApiQuery({ name: 'storeId', required: false })
  @ApiQuery({ name: 'lastEventId', required: false })
  @ApiOkResponse({ description: 'an endless text/event-stream' })
  async stream(
    @TenantId() tenantId: string,
    @Query() query: unknown,
    @Headers('last-event-id') lastEventHeader: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(EventStreamQuerySchema, query ?? {});
    const resumeFrom = lastEventHeader && /^\d{1,18}$/.test(lastEventHeader) ? lastEventHeader : q.lastEventId;
    let cursor = resumeFrom ?? (await this.events.lastId(tenantId));
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');

    let closed = false;
    let running = false;
    let again = false;
    const pump = async (): Promise<void> => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const rows = await this.events.listAfter(tenantId, cursor, {
            types: q.types,
            storeId: q.storeId,
            limit: PAGE,
          });
          for (const e of rows) {
            if (closed) return;
            res.write(sseMessage(e));
            cursor = e.id;
          }
          if (rows.length === PAGE) again = true;
        } while (again && !closed);
      } catch {
        // the database is away: the next wake-up or timer tries again
      } finally {
        running = false;
      }
    };
    const unlisten = await this.bus.listen(tenantId, () => void pump());
    const reread = setInterval(() => void pump(), REREAD_MS);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    req.on('close', () => {
      closed = true;
      clearInterval(reread);
      clearInterval(keepalive);
      unlisten();
    });
    await pump();
  }
}
