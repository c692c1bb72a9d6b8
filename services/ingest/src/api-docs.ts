import { applyDecorators } from '@nestjs/common';
import { ApiNotFoundResponse, ApiProperty, ApiPropertyOptional, ApiUnauthorizedResponse } from '@nestjs/swagger';

/** Every error this API answers with (Nest's exception body). */
export class ErrorDto {
  @ApiProperty({ type: Number, example: 404 })
  statusCode!: number;

  @ApiProperty({ type: String, example: 'camera not found', description: 'why the request was refused' })
  message!: string;

  @ApiPropertyOptional({ type: String, example: 'Not Found' })
  error?: string;
}

/** The id of what a POST created (201) or accepted for processing (202). */
export class IdDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;
}

/** 401 without a valid key; documented once per controller. */
export const ApiAuthenticated = () =>
  ApiUnauthorizedResponse({ type: ErrorDto, description: 'no API key, or an invalid or revoked one' });

/** Unknown ids, other tenants' ids and ids that are not UUIDs all answer the same 404. */
export const ApiNotFound = (what: string) =>
  applyDecorators(ApiNotFoundResponse({ type: ErrorDto, description: `no such ${what} for this tenant` }));
