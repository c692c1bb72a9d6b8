import { BadRequestException, NotFoundException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

/** Parses a request body or query with a zod schema; a 400 names every field that is wrong. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: issues.join('; '), issues });
  }
  return r.data;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A path id that is not a UUID cannot name anything: 404, the same answer as an unknown id or another
 * tenant's id, so ids cannot be probed.
 */
export class IdPipe implements PipeTransform<string, string> {
  constructor(private readonly what = 'resource') {}
  transform(value: string): string {
    if (!UUID.test(value)) throw new NotFoundException(`${this.what} not found`);
    return value.toLowerCase();
  }
}
