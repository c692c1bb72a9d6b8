import { Supervisor, type SupervisorEvent } from './supervisor';

// @storelens/testing builds on this library, so the stack's own tests poll by themselves
async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A real child process (a Node script that idles), killed with SIGKILL as a crash or an OOM kill would.
describe('Supervisor (real processes)', () => {
  let supervisor: Supervisor;
  const events: SupervisorEvent[] = [];

  beforeAll(() => {
    supervisor = new Supervisor(
      [
        {
          name: 'idle',
          command: process.execPath,
          args: ['-e', 'setInterval(() => {}, 1000)'],
          env: { PATH: process.env.PATH ?? '' },
          output: 'ignore',
        },
      ],
      { minBackoffMs: 200, maxBackoffMs: 1000, stableAfterMs: 60_000, log: (e) => events.push(e) },
    );
    supervisor.start();
  });

  afterAll(() => supervisor.stop(2000));

  it('restarts a process killed with SIGKILL, after a backoff, and logs both', async () => {
    const first = await waitFor(async () => supervisor.pidOf('idle'));
    process.kill(first, 'SIGKILL');
    const second = await waitFor(async () => {
      const pid = supervisor.pidOf('idle');
      return pid !== undefined && pid !== first && pid;
    });
    expect(second).not.toBe(first);
    expect(events.map((e) => e.event)).toEqual(['started', 'exited', 'restarting', 'started']);
    expect(events[1]).toMatchObject({ pid: first, signal: 'SIGKILL' });
    expect(events[2]).toMatchObject({ crashes: 1, delayMs: 200 });
  });

  it('backs off longer for each crash in a row, up to the ceiling', () => {
    expect([1, 2, 3, 4, 5].map((n) => supervisor.backoffMs(n))).toEqual([200, 400, 800, 1000, 1000]);
  });

  it('does not restart what it was told to stop', async () => {
    const pid = supervisor.pidOf('idle')!;
    await supervisor.stop(2000);
    await new Promise((r) => setTimeout(r, 600));
    expect(events.at(-1)).toMatchObject({ event: 'exited', pid });
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
