import path from 'node:path';
import { loadConfig, repoRoot } from './config';

describe('loadConfig', () => {
  it('applies defaults relative to the repository root', () => {
    const c = loadConfig({});
    expect(c.assetsDir).toBe(path.resolve(repoRoot(), '../shared'));
    expect(c.models.threads).toBe(1);
    expect(c.vision.detectThreshold).toBe(0.9);
    expect(c.api.publicBaseUrl).toBe('http://127.0.0.1:8080');
    expect(c.queue.prefix).toBe('storelens');
    expect(c.database.poolSize).toBe(10);
  });

  it('rejects a malformed value with the variable named', () => {
    expect(() => loadConfig({ STORELENS_ORT_THREADS: 'many' })).toThrow(/STORELENS_ORT_THREADS/);
    // a ':' would split BullMQ's own key layout
    expect(() => loadConfig({ QUEUE_PREFIX: 'a:b' })).toThrow(/QUEUE_PREFIX/);
  });
});
