import { applyDecorators, HttpCode, HttpStatus } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ErrorDto, IdDto } from '@storelens/platform';
import { UPLOAD_FIELD } from './upload-receiver';

/** OpenAPI for a multipart upload answered with 202 {id}, and every way it can be refused. */
export function ApiUpload(opts: { file: string; unsupported: string; withCapturedAt: boolean }) {
  return applyDecorators(
    HttpCode(HttpStatus.ACCEPTED),
    ApiConsumes('multipart/form-data'),
    ApiBody({
      schema: {
        type: 'object',
        required: [UPLOAD_FIELD],
        properties: {
          [UPLOAD_FIELD]: { type: 'string', format: 'binary', description: opts.file },
          ...(opts.withCapturedAt && {
            capturedAt: {
              type: 'string',
              format: 'date-time',
              description: 'when the media was recorded (a video’s start); defaults to the time of the upload',
            },
          }),
        },
      },
    }),
    ApiAcceptedResponse({ type: IdDto, description: 'stored and queued; the id is the media id' }),
    ApiBadRequestResponse({ type: ErrorDto, description: 'no file field, an empty file, or a malformed form' }),
    ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'the file is over MAX_UPLOAD_BYTES' }),
    ApiUnsupportedMediaTypeResponse({ type: ErrorDto, description: opts.unsupported }),
    ApiUnprocessableEntityResponse({
      type: ErrorDto,
      description: 'an image over the pixel limit or with an unreadable header, or a video without a video stream',
    }),
    ApiServiceUnavailableResponse({ type: ErrorDto, description: 'the processing queue is unavailable' }),
  );
}
