import { loadConfig } from '@storelens/config';
import { command, plan } from './stack';

describe('the stack plan', () => {
  it('runs the ingest codebase twice: the API and, apart, the ingest-queue worker', () => {
    const specs = plan({ basePort: 28080, replicas: { 'ingest-worker': 2 } });
    const ingest = specs.filter((s) => s.service === 'ingest' || s.service === 'ingest-worker');
    expect(ingest.map((s) => [s.service, s.replica, s.port, s.env.INGEST_ROLE])).toEqual([
      ['ingest', 0, 28081, 'api'],
      ['ingest-worker', 0, 28087, 'worker'],
      ['ingest-worker', 1, 28187, 'worker'],
    ]);
    expect(command('ingest-worker', false)).toEqual(command('ingest', false));
    expect(command('ingest-worker', true)).toEqual(command('ingest', true));
    // every process has a port of its own, and no other process is told an ingest role
    expect(new Set(specs.map((s) => s.port)).size).toBe(specs.length);
    expect(specs.filter((s) => s.env.INGEST_ROLE).map((s) => s.service)).toEqual([
      'ingest',
      'ingest-worker',
      'ingest-worker',
    ]);
  });

  it('profiles every process into the folder asked for, each in a file of its own, and none unless asked', () => {
    expect(plan({ basePort: 28080 }).every((s) => s.nodeArgs.length === 0)).toBe(true);
    const specs = plan({ basePort: 28080, replicas: { detection: 2 }, cpuProfileDir: '/tmp/prof' });
    const detection = specs.filter((s) => s.service === 'detection').map((s) => s.nodeArgs);
    expect(detection).toEqual([
      ['--cpu-prof', '--cpu-prof-dir=/tmp/prof', '--cpu-prof-name=detection-0.cpuprofile'],
      ['--cpu-prof', '--cpu-prof-dir=/tmp/prof', '--cpu-prof-name=detection-1.cpuprofile'],
    ]);
    expect(new Set(specs.map((s) => s.nodeArgs[2])).size).toBe(specs.length);
  });

  it('tells the gateway every replica of each API', () => {
    const specs = plan({ basePort: 28080, replicas: { ingest: 2 } });
    const gateway = specs.find((s) => s.service === 'gateway')!;
    expect(gateway.env.INGEST_URL).toBe('http://127.0.0.1:28081,http://127.0.0.1:28181');
    expect(gateway.env.ANALYTICS_URL).toBe('http://127.0.0.1:28082');
    expect(loadConfig(gateway.env).service.ingestUrls).toEqual(['http://127.0.0.1:28081', 'http://127.0.0.1:28181']);
  });

  it('reads REPLICAS_INGEST_WORKER as the ingest-worker process count', () => {
    const cfg = loadConfig({ REPLICAS_INGEST_WORKER: '3', REPLICAS_DETECTION: '2', REPLICAS_BOGUS_: '4' });
    expect(cfg.replicas).toEqual({ 'ingest-worker': 3, detection: 2 });
  });

  it('refuses an unknown INGEST_ROLE', () => {
    expect(() => loadConfig({ INGEST_ROLE: 'both' })).toThrow(/INGEST_ROLE/);
    expect(loadConfig({}).ingest.role).toBe('all');
  });
});
