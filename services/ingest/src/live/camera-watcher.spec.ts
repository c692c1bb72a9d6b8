import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mock } from 'jest-mock-extended';
import sharp from 'sharp';
import type { LiveCamera } from '@storelens/db';
import { waitFor } from '@storelens/testing';
import { CameraWatcher, transportOrder, type WatcherPorts } from './camera-watcher';
import { parseStreamUrl } from './stream-url';

const camera: LiveCamera = {
  id: 'c1',
  tenantId: 't1',
  storeId: 's1',
  name: 'Door',
  fps: 2,
  streamTransport: 'auto',
  streamUrlEnc: 'v1:sealed',
};

/** A stand-in for ffmpeg: writes `frames` JPEGs 50 ms apart, then stays connected (or exits with a message). */
function fakeFfmpeg(dir: string, frames: number, then: 'hang' | 'refuse'): string {
  const script = path.join(dir, `ffmpeg-${then}`);
  const one = path.join(dir, 'frame.jpg');
  const body =
    then === 'refuse'
      ? `echo "rtsp://admin:pw@cam/1: Connection refused" >&2; exit 1`
      : `for i in $(seq ${frames}); do cat ${one}; sleep 0.05; done; exec sleep 60`;
  writeFileSync(script, `#!/bin/sh\n${body}\n`);
  chmodSync(script, 0o755);
  return script;
}

/** The connections a watcher logged as ended, oldest first (transport, frames, reason, …). */
const connectionsEnded = (ports: ReturnType<typeof mock<WatcherPorts>>) =>
  ports.log.mock.calls.filter(([, msg]) => msg === 'live stream connection ended').map(([, , f]) => f);

describe('transportOrder', () => {
  it('keeps a camera’s own transport, else tries the last one that worked first, else TCP first', () => {
    expect(transportOrder('tcp', 'udp')).toEqual(['tcp']);
    expect(transportOrder('udp', null)).toEqual(['udp']);
    expect(transportOrder('auto', 'udp')).toEqual(['udp', 'tcp']);
    expect(transportOrder('auto', 'tcp')).toEqual(['tcp', 'udp']);
    expect(transportOrder('auto', null)).toEqual(['tcp', 'udp']);
  });
});

describe('CameraWatcher', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'watcher-'));

  beforeAll(async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer();
    writeFileSync(path.join(dir, 'frame.jpg'), jpeg);
  });

  it('goes live, sends at most maxBacklog frames while detection is behind, and drops the rest but the newest', async () => {
    const ports = mock<WatcherPorts>();
    let n = 0;
    ports.writeFrame.mockImplementation(async () => `f${++n}`);
    ports.pendingFrames.mockImplementation(async (_, ids) => ids); // detection has finished nothing
    const watcher = new CameraWatcher(camera, parseStreamUrl('rtsp://cam/1'), ports, {
      replica: 'r1',
      maxBacklog: 3,
      openTimeoutMs: 10_000,
      reconnectMaxMs: 1000,
      ffmpeg: fakeFfmpeg(dir, 20, 'hang'),
    });
    watcher.start();
    try {
      await waitFor(() => watcher.status().fpsIn > 0 && watcher.status().framesDropped === 16, {
        timeoutMs: 10_000,
      }).catch((e) => {
        throw new Error(
          `${e.message} ${JSON.stringify(watcher.status())} writes=${ports.writeFrame.mock.calls.length}`,
        );
      });
      const s = watcher.status();
      expect(s.state).toBe('live');
      expect(ports.writeFrame).toHaveBeenCalledTimes(3);
      expect(s.framesDropped).toBe(16); // 20 received = 3 sent + 1 newest waiting + 16 dropped
      expect(ports.connectivity).toHaveBeenCalledWith(camera, true, null);

      // detection catches up: the waiting (newest) frame goes next
      ports.pendingFrames.mockImplementation(async () => []);
      await waitFor(() => ports.writeFrame.mock.calls.length === 4, { timeoutMs: 5000 });
      expect(watcher.status().framesDropped).toBe(16);
    } finally {
      await watcher.stop();
    }
  });

  /** A watcher whose ffmpeg is refused at once, every time. */
  const refused = (ports: WatcherPorts, url: string, lastTransport?: 'udp' | 'tcp') =>
    new CameraWatcher(camera, parseStreamUrl(url), ports, {
      replica: 'r1',
      maxBacklog: 3,
      openTimeoutMs: 5000,
      reconnectMaxMs: 200,
      ffmpeg: fakeFfmpeg(dir, 0, 'refuse'),
      lastTransport,
    });

  it('taking over a camera last read over UDP, tries UDP first', async () => {
    const ports = mock<WatcherPorts>();
    const watcher = refused(ports, 'rtsp://cam/1', 'udp');
    watcher.start();
    try {
      await waitFor(() => connectionsEnded(ports).length >= 2, { timeoutMs: 15_000 });
      expect(
        connectionsEnded(ports)
          .slice(0, 2)
          .map((f) => f?.transport),
      ).toEqual(['udp', 'tcp']);
    } finally {
      await watcher.stop();
    }
  });

  it('reports a stream that cannot be opened as failed with the reason, credentials redacted, and keeps trying', async () => {
    const ports = mock<WatcherPorts>();
    const watcher = refused(ports, 'rtsp://admin:pw@cam/1');
    watcher.start();
    try {
      await waitFor(() => watcher.status().state === 'failed', { timeoutMs: 15_000 });
      const s = watcher.status();
      expect(s.error).toMatch(/Connection refused/);
      expect(s.error).not.toContain('pw');
      expect(ports.connectivity).toHaveBeenCalledWith(camera, false, expect.stringMatching(/refused/));
      expect(ports.writeFrame).not.toHaveBeenCalled();
      // each try is in the log: auto tried TCP, then UDP, with ffmpeg's reason (redacted)
      const tries = connectionsEnded(ports);
      expect(tries.slice(0, 2)).toEqual([
        expect.objectContaining({
          cameraId: 'c1',
          transport: 'tcp',
          frames: 0,
          reason: expect.stringMatching(/refused/),
        }),
        expect.objectContaining({
          cameraId: 'c1',
          transport: 'udp',
          frames: 0,
          reason: expect.stringMatching(/refused/),
        }),
      ]);
      expect(JSON.stringify(tries)).not.toContain('pw');
    } finally {
      await watcher.stop('stopped');
    }
    expect(watcher.status().state).toBe('stopped');
  });
});
