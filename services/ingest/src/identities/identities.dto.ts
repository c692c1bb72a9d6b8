import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IdentityCategory, SafeText } from '@storelens/contracts';
import type { Identity } from '@storelens/db';
import { z } from 'zod';

export const NewIdentityBody = z.strictObject({
  name: SafeText({ max: 200 }),
  category: IdentityCategory,
  externalRef: SafeText({ max: 200 }).nullish(),
});

export const IdentityListQuery = z.object({ category: IdentityCategory.optional() });

export class NewIdentityDto {
  @ApiProperty({ type: String, example: 'Jane Doe', maxLength: 200 })
  name!: string;

  @ApiProperty({
    type: String,
    enum: IdentityCategory.options,
    description: 'member: recognised; staff: left out of visitor counts; watchlist: raises an alert',
  })
  category!: IdentityCategory;

  @ApiPropertyOptional({
    type: String,
    example: 'CRM-10442',
    nullable: true,
    description: 'your own id for the person; unique among your identities',
  })
  externalRef?: string | null;
}

export class IdentityDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, example: 'Jane Doe' })
  name!: string;

  @ApiProperty({ type: String, enum: IdentityCategory.options })
  category!: IdentityCategory;

  @ApiProperty({ type: String, nullable: true, example: 'CRM-10442' })
  externalRef!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  static of(i: Identity): IdentityDto {
    return {
      id: i.id,
      name: i.name,
      category: i.category,
      externalRef: i.externalRef,
      createdAt: i.createdAt.toISOString(),
    };
  }
}

export class IdentityDetailDto extends IdentityDto {
  @ApiProperty({ type: Number, example: 3, description: 'enrolled reference faces' })
  faces!: number;
}
