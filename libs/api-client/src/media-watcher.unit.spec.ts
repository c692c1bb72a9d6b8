import type { MediaSummary, StoreLensClient } from './client';
import { MediaWatcher } from './client';

type Status = MediaSummary['status'];

/** A client whose media move through the statuses they are given, one step per list request. */
function fakeClient(script: Record<string, Status[]>, listed: (id: string) => boolean = () => true) {
  const calls = { list: 0, one: [] as string[], limits: [] as number[] };
  const step = new Map(Object.keys(script).map((id) => [id, 0]));
  const summary = (id: string): MediaSummary => {
    const steps = script[id]!;
    return { id, status: steps[Math.min(step.get(id)!, steps.length - 1)] } as MediaSummary;
  };
  const client = {
    async mediaList({ limit }: { limit: number }) {
      calls.list++;
      calls.limits.push(limit);
      const out = Object.keys(script)
        .filter(listed)
        .map((id) => summary(id));
      for (const id of Object.keys(script)) step.set(id, step.get(id)! + 1);
      return out;
    },
    async media(id: string) {
      calls.one.push(id);
      return summary(id);
    },
  };
  return { client: client as unknown as StoreLensClient, calls };
}

describe('MediaWatcher', () => {
  it('follows many media with one list request per round, each settling when it is done or failed', async () => {
    const { client, calls } = fakeClient({
      a: ['queued', 'processing', 'done'],
      b: ['processing', 'failed'],
      c: ['done'],
    });
    const watcher = new MediaWatcher(client, 'camera', 1, 10_000);
    const settled = await Promise.all(['a', 'b', 'c'].map((id) => watcher.watch(id)));
    expect(settled.map((m) => [m.id, m.status])).toEqual([
      ['a', 'done'],
      ['b', 'failed'],
      ['c', 'done'],
    ]);
    expect(calls.list).toBe(3); // three rounds for three media, not a request per media per round
    expect(calls.one).toEqual([]);
    // a waits longest, so every list covers a and the two watched after it
    expect(calls.limits).toEqual([3, 3, 3]);
  });

  it('lists only as many media as were watched since the oldest one still waiting', async () => {
    const { client, calls } = fakeClient({
      a: ['done'],
      b: ['processing', 'done'],
      c: ['processing', 'processing', 'done'],
    });
    const watcher = new MediaWatcher(client, 'camera', 1, 10_000);
    await Promise.all(['a', 'b', 'c'].map((id) => watcher.watch(id)));
    expect(calls.limits).toEqual([3, 2, 1]);
    expect(calls.one).toEqual([]);
  });

  it('asks for a media on its own when it is not among the camera’s newest', async () => {
    const { client, calls } = fakeClient({ old: ['processing', 'done'], fresh: ['done'] }, (id) => id !== 'old');
    const watcher = new MediaWatcher(client, 'camera', 1, 10_000);
    await expect(watcher.watch('old')).resolves.toMatchObject({ id: 'old', status: 'done' });
    expect(calls.one.length).toBeGreaterThan(0);
    expect(new Set(calls.one)).toEqual(new Set(['old']));
  });

  it('gives up on a media that does not settle in time, and on all of them when the API fails', async () => {
    const { client } = fakeClient({ stuck: ['processing'] });
    await expect(new MediaWatcher(client, 'camera', 1, 20).watch('stuck')).rejects.toThrow(/still processing/);
    const failing = {
      mediaList: async () => {
        throw new Error('HTTP 503');
      },
    } as unknown as StoreLensClient;
    const watcher = new MediaWatcher(failing, 'camera', 1, 10_000);
    await expect(Promise.all([watcher.watch('x'), watcher.watch('y')])).rejects.toThrow(/503/);
  });
});
