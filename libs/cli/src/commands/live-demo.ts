import path from 'node:path';
import { config } from '@storelens/config';
import type { SightingData, StoreLensEvent } from '@storelens/contracts';
import { RtspSource } from '@storelens/stack';
import { SseReader } from '../event-stream';
import type { StoreLensClient } from '@storelens/api-client';

const log = (s: string) => process.stderr.write(`${s}\n`);

/** Where the demo's RTSP camera listens (publish port just below, RTP ports above). */
export const DEMO_RTSP_PORT = 8554;

/**
 * The live half of the demo: an RTSP camera on loopback playing the fixture video, added as a live camera, and the
 * events it causes printed as they arrive over the event stream, for `seconds` at most.
 */
export async function runLiveDemo(
  client: StoreLensClient,
  apiKey: string,
  storeId: string,
  seconds: number,
): Promise<void> {
  const source = new RtspSource({
    file: path.join(config().assetsDir, 'fixtures', 'video', 'hamilton_clip.mp4'),
    port: DEMO_RTSP_PORT,
    rtpPort: 8600,
  });
  await source.start();
  const events = new SseReader(`${client.baseUrl}/v1/events`, { authorization: `Bearer ${apiKey}` });
  try {
    await events.open();
    const camera = await client.request<{ id: string }>('POST', `/v1/stores/${storeId}/cameras`, {
      name: 'Live entrance',
      role: 'entrance',
      fps: 2,
      streamUrl: source.url,
    });
    log(`live camera ${camera.id} on ${source.url}; printing its events for up to ${seconds} s…`);
    const until = Date.now() + seconds * 1000;
    let printed = 0;
    let firstSighting: number | null = null;
    while (Date.now() < until) {
      for (const m of events.messages.slice(printed)) {
        const e = JSON.parse(m.data) as StoreLensEvent<Partial<SightingData>>;
        const { identity, similarity, camera } = e.data;
        const who = identity
          ? ` ${identity.name} (${identity.externalRef ?? identity.category}), similarity ${similarity}`
          : '';
        console.log(`event ${e.id} ${e.occurredAt} ${e.type}${who} at ${camera?.name ?? ''}`);
        if (e.type === 'member.arrived' || e.type === 'watchlist.sighted') firstSighting ??= Date.now();
      }
      printed = events.messages.length;
      if (firstSighting !== null && Date.now() > firstSighting + 10_000) break; // a few seconds after the first
      await new Promise((r) => setTimeout(r, 500));
    }
    const status = await client.request<unknown>('GET', `/v1/cameras/${camera.id}/status`);
    console.log(`live camera status: ${JSON.stringify(status)}`);
    await client.request('POST', `/v1/cameras/${camera.id}/stop`);
  } finally {
    await events.close();
    await source.kill();
  }
}
