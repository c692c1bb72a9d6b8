import { createHash, timingSafeEqual } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import type { StoreLensConfig } from '@storelens/config';
import { QueueService } from '@storelens/queue';
import { Metrics } from './metrics';
import { CONFIG } from './tokens';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * The key an operator sent: `Authorization: Bearer <key>` for scripts, or HTTP Basic with the key as the password
 * (any user name) so a browser asks for it with its own sign-in prompt and resends it with every request.
 */
export function presentedKey(authorization: string | undefined): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/**
 * Lets through only requests that carry the operators' key (STORELENS_ADMIN_KEY). A tenant's API key is not
 * enough: the dashboard shows and retries every tenant's jobs.
 */
export function requireAdminKey(adminKey: string) {
  const expected = sha256(adminKey);
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = presentedKey(req.headers.authorization);
    if (given !== undefined && timingSafeEqual(sha256(given), expected)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Basic realm="StoreLens queues", charset="UTF-8"')
      .json({ statusCode: 401, error: 'Unauthorized', message: "the queue dashboard needs the operators' key" });
  };
}

/**
 * Queue operations for one service of the deployment (analytics): the bull-board dashboard of every pipeline
 * queue at /admin/queues behind the operators' key, and the queues' depth, lag and failures in /metrics.
 * Call before app.listen().
 */
export function enableQueueOperations(app: INestApplication): void {
  const cfg = app.get<StoreLensConfig>(CONFIG);
  const queues = app.get(QueueService);
  app.get(Metrics).watchQueues(queues);
  if (!cfg.admin.key) {
    app.get(Logger).warn('STORELENS_ADMIN_KEY is not set: the queue dashboard is off');
    return;
  }
  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queues.allQueues().map((q) => new BullMQAdapter(q)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'StoreLens queues' } },
  });
  app.use(QUEUE_DASHBOARD_PATH, requireAdminKey(cfg.admin.key), board.getRouter());
}
