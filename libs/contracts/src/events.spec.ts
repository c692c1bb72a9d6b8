import { randomUUID } from 'node:crypto';
import { EventName, InvalidEventError, parseEvent } from './events';

describe('event contracts', () => {
  it('parses a media status change and rejects an unknown status', () => {
    const event = {
      tenantId: randomUUID(),
      mediaId: randomUUID(),
      status: 'failed',
      error: 'not a video',
      at: new Date().toISOString(),
    };
    expect(parseEvent(EventName.MediaStatusChanged, event)).toEqual(event);
    expect(() => parseEvent(EventName.MediaStatusChanged, { ...event, status: 'lost' })).toThrow(InvalidEventError);
  });
});
