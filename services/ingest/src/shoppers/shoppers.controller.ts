import { BadRequestException, Controller, HttpCode, Inject, NotFoundException, Param, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { CameraRepository, StoreRepository, TransactionRepository } from '@storelens/db';
import { ApiAuthenticated, ApiNotFound, ErrorDto, IdPipe, TenantId } from '@storelens/platform';
import { TransactionDto, TransactionsRecordedDto } from './shoppers.dto';
import { parseTransactions, TransactionParseError } from './transaction-parsing';

/** A bulk upload of sales (NDJSON or CSV) is read up to this size. */
const MAX_BULK_BYTES = 5 * 1024 * 1024;

async function textBody(req: Request): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BULK_BYTES) throw new BadRequestException(`the body is over ${MAX_BULK_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

@ApiTags('stores')
@ApiAuthenticated()
@Controller('v1')
export class ShoppersController {
  constructor(
    @Inject(StoreRepository) private readonly stores: StoreRepository,
    @Inject(CameraRepository) private readonly cameras: CameraRepository,
    @Inject(TransactionRepository) private readonly transactions: TransactionRepository,
  ) {}

  @Post('stores/:storeId/transactions')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Record sales of a store',
    description:
      'One sale as a JSON object, several as a JSON array, NDJSON (application/x-ndjson) or CSV (text/csv with a ' +
      'header of at, amount, currency, checkoutCameraId, externalRef). Each is linked to the visit seen at that ' +
      'checkout camera (else any checkout camera of the store) closest in time, within TRANSACTION_MATCH_SECONDS; ' +
      'a sale with an externalRef the store already has is not stored again.',
  })
  @ApiConsumes('application/json', 'application/x-ndjson', 'text/csv')
  @ApiBody({ type: TransactionDto })
  @ApiCreatedResponse({ type: TransactionsRecordedDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'a sale is invalid (the message names it)' })
  @ApiNotFound('store or checkout camera')
  async recordTransactions(
    @TenantId() tenantId: string,
    @Param('storeId', new IdPipe('store')) storeId: string,
    @Req() req: Request,
  ): Promise<TransactionsRecordedDto> {
    if (!(await this.stores.get(tenantId, storeId))) throw new NotFoundException('store not found');
    const type = req.headers['content-type'] ?? '';
    const body = /^application\/json/i.test(type) ? (req.body as unknown) : await textBody(req);
    let sales;
    try {
      sales = parseTransactions(type, body);
    } catch (err) {
      if (err instanceof TransactionParseError) throw new BadRequestException(err.message);
      throw err;
    }
    const cameraIds = [...new Set(sales.map((s) => s.checkoutCameraId).filter((id): id is string => !!id))];
    for (const id of cameraIds) {
      const camera = await this.cameras.get(tenantId, id);
      if (!camera || camera.storeId !== storeId)
        throw new NotFoundException(`checkout camera ${id} not found in the store`);
    }
    const stored = await this.transactions.record(
      tenantId,
      storeId,
      sales.map((s) => ({
        at: new Date(s.at),
        amount: s.amount,
        currency: s.currency ?? null,
        checkoutCameraId: s.checkoutCameraId ?? null,
        externalRef: s.externalRef ?? null,
      })),
    );
    return {
      recorded: stored.filter((s) => s.created).length,
      duplicates: stored.filter((s) => !s.created).length,
      ids: stored.map((s) => s.id),
    };
  }
}
