import { IdentityCategory } from '@storelens/contracts';
import type { Identity } from '@storelens/db';
import { ApiId, ApiTime, orNull, TextField } from '@storelens/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const categoryDoc = 'member: recognised; staff: left out of visitor counts; watchlist: raises an alert';

export const NewIdentityBody = z.strictObject({
  name: TextField.meta({ example: 'Jane Doe' }),
  category: IdentityCategory.meta({ description: categoryDoc }),
  externalRef: TextField.nullish().meta({
    description: 'your own id for the person; unique among your identities',
    example: 'CRM-10442',
  }),
});
export class NewIdentityDto extends createZodDto(NewIdentityBody) {}

export const IdentityListQuery = z.object({ category: IdentityCategory.optional() });
export class IdentityListQueryDto extends createZodDto(IdentityListQuery) {}

export const IdentitySchema = z.object({
  id: ApiId,
  name: z.string().meta({ example: 'Jane Doe' }),
  category: IdentityCategory,
  externalRef: orNull(z.string(), 'your own id for the person', 'CRM-10442'),
  createdAt: ApiTime,
});
export class IdentityDto extends createZodDto(IdentitySchema) {
  static of(i: Identity): IdentityDto {
    return { id: i.id, name: i.name, category: i.category, externalRef: i.externalRef, createdAt: i.createdAt };
  }
}

export const IdentityDetailSchema = IdentitySchema.extend({
  faces: z.number().int().min(0).meta({ description: 'enrolled reference faces', example: 3 }),
});
export class IdentityDetailDto extends createZodDto(IdentityDetailSchema) {}
