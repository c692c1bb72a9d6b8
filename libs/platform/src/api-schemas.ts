import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { hasUnsafeCharacters, UNSAFE_TEXT_MESSAGE } from '@storelens/contracts';
import { z } from 'zod';

// Building blocks of the HTTP API's bodies. Every request and response body is a zod schema, defined once, with a
// DTO class derived from it by nestjs-zod (`class XDto extends createZodDto(XSchema) {}`): the schema validates
// requests (parseOr400) and is the DTO's OpenAPI schema, from which the published documents and the typed client
// are generated (`npm run openapi`).
//
// A nullable field: write it with orNull(), never as a bare `z.string().nullable()`: zod writes that as
// `type: ["string", "null"]`, which Nest's swagger turns into an array of strings. The OpenAPI specs list every
// array a published document has, so a slip shows there.

/** A value or null, described (see above for why the description sits on the value). */
export function orNull<T extends z.ZodType>(schema: T, description: string, example?: unknown) {
  return schema.meta(example === undefined ? { description } : { description, example }).nullable();
}

/** An id the server made (a UUID), in a response. */
export const ApiId = z.string().meta({ format: 'uuid', example: '0b1c5f9e-3c1a-4d4e-9a55-2f0f7d1c8e21' });

/**
 * An instant in a response: a Date in the code, an ISO 8601 date-time on the wire (JSON.stringify writes Dates so).
 * A codec, so the DTO's TypeScript type is the Date the service has and its OpenAPI schema the string the client
 * reads.
 */
export const ApiTime = z.codec(z.string().meta({ format: 'date-time' }), z.date(), {
  decode: (s) => new Date(s),
  encode: (d) => d.toISOString(),
});

/**
 * A name or label a client sends (a store, camera, zone or identity name, an external reference): free of control
 * characters, trimmed, 1 to `max` characters. Every name field is one of these, so NUL (which Postgres refuses),
 * CR/LF (forged log lines and CSV rows), ANSI escapes and bidi overrides answer 400 naming the field
 * (`name: must not contain control characters ...`) instead of a 500 or a poisoned log.
 */
export function textField(max = 200) {
  return z
    .string()
    .refine((s) => !hasUnsafeCharacters(s), { error: UNSAFE_TEXT_MESSAGE, abort: true })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });
}

/** The usual name field: see textField. */
export const TextField = textField(200);

/** The id of what a POST created (201) or accepted for processing (202). */
export const IdSchema = z.object({ id: ApiId });
export class IdDto extends createZodDto(IdSchema) {}

/** Every error the API answers with (Nest's exception body); a 400 adds one entry per wrong field. */
export const ErrorSchema = z.object({
  statusCode: z.number().int().meta({ example: 404 }),
  message: z.string().meta({ description: 'why the request was refused', example: 'camera not found' }),
  error: z.string().optional().meta({ example: 'Not Found' }),
  issues: z.array(z.string()).optional().meta({ description: '400: each wrong field as "field: reason"' }),
});
export class ErrorDto extends createZodDto(ErrorSchema) {}

/** 401 without a valid key; documented once per controller. */
export const ApiAuthenticated = () =>
  ApiUnauthorizedResponse({ type: ErrorDto, description: 'no API key, or an invalid or revoked one' });

/** Unknown ids, other tenants' ids and ids that are not UUIDs all answer the same 404. */
export const ApiNotFound = (what: string) =>
  applyDecorators(ApiNotFoundResponse({ type: ErrorDto, description: `no such ${what} for this tenant` }));

/**
 * A 200 that is JSON (the DTO, or a list of it: `[Dto]`) or, asked with ?format=csv or Accept: text/csv, the same
 * rows as CSV: each media type documented with its own schema (ApiProduces would give the CSV the JSON schema).
 */
export function ApiOkJsonOrCsv(type: Type | [Type], description?: string) {
  const dto = Array.isArray(type) ? type[0] : type;
  const ref = { $ref: getSchemaPath(dto) };
  return applyDecorators(
    ApiExtraModels(dto),
    ApiOkResponse({
      description,
      content: {
        'application/json': { schema: Array.isArray(type) ? { type: 'array', items: ref } : ref },
        'text/csv': {
          schema: { type: 'string', description: 'the same rows as CSV: a header line, then RFC 4180 rows' },
        },
      },
    }),
  );
}
