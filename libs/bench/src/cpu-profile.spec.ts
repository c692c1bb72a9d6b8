import path from 'node:path';
import { repoRoot } from '@storelens/config';
import { profileGroup, summariseProfile, type CpuProfile } from './cpu-profile';

const root = repoRoot();

describe('CPU profile summary', () => {
  it('groups functions by package, by file of this repository, and by what V8 calls them', () => {
    const nm = path.join(root, 'node_modules');
    expect(profileGroup('run', `file://${nm}/onnxruntime-node/dist/backend.js`)).toBe('onnxruntime-node');
    expect(profileGroup('query', `${nm}/@nestjs/core/router/x.js`)).toBe('@nestjs/core');
    expect(profileGroup('render', path.join(root, 'libs/vision/src/align.ts'))).toBe('libs/vision/src/align.ts');
    expect(profileGroup('(garbage collector)', '')).toBe('garbage collection');
    expect(profileGroup('emit', 'node:events')).toBe('Node.js');
    expect(profileGroup('writev', '')).toBe('native code');
    expect(profileGroup('(idle)', '')).toBeNull();
  });

  it('charges each sample the time until the next, inside the window only, and leaves idle time out of the shares', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(idle)', url: '' } },
        { id: 2, callFrame: { functionName: 'run', url: '/x/node_modules/onnxruntime-node/dist/backend.js' } },
        { id: 3, callFrame: { functionName: '(garbage collector)', url: '' } },
      ],
      startTime: 1_000_000,
      endTime: 1_010_000,
      // samples at 1,001,000 (run), 1,003,000 (gc), 1,004,000 (idle), 1,008,000 (run), 1,009,000 (run)
      samples: [2, 3, 1, 2, 2],
      timeDeltas: [1000, 2000, 1000, 4000, 1000],
    };
    const all = summariseProfile(profile, 0, Number.MAX_SAFE_INTEGER);
    // run: 2 ms (until the gc sample) + 1 ms + 0 (the last sample has no next); gc 1 ms; idle 4 ms
    expect(all).toEqual({
      busyMs: 4,
      idleMs: 4,
      top: [
        { what: 'onnxruntime-node', ms: 3, share: 0.75 },
        { what: 'garbage collection', ms: 1, share: 0.25 },
      ],
    });
    // from 1,003,500: the idle sample and the two last runs only
    expect(summariseProfile(profile, 1_003_500, 1_010_000)).toMatchObject({ busyMs: 1, idleMs: 4 });
  });
});
