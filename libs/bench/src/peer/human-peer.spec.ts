import path from 'node:path';
import { config } from '@storelens/config';
import { createHumanPeer, type HumanPeer } from './human-peer';

// Real models (node_modules/@vladmandic/human/models) and real fixtures (../shared/fixtures, see FIXTURES.md).
const fixtures = path.join(config().assetsDir, 'fixtures');
const fx = (rel: string) => path.join(fixtures, rel);
const EMOTIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];

describe('human peer (@vladmandic/human on tfjs WASM)', () => {
  let peer: HumanPeer;

  beforeAll(async () => {
    peer = await createHumanPeer();
  });
  afterAll(async () => {
    await peer?.close();
  });

  it('reports what it runs', () => {
    expect(peer.name).toBe('@vladmandic/human');
    expect(peer.version).toMatch(/^3\.3\./);
    expect(peer.backend).toBe('wasm');
    expect(peer.details.tfjs).toBe('4.22.0');
    expect(peer.warmupMs).toBeGreaterThan(0);
  });

  it('finds both men in scenes/two_people.jpg with age, gender and emotion', async () => {
    const r = await peer.analyze(fx('scenes/two_people.jpg'));
    expect(r.file).toBe(fx('scenes/two_people.jpg'));
    expect(r.faces).toBe(2);
    expect(r.genders).toEqual(['male', 'male']);
    expect(r.ages).toHaveLength(2);
    for (const age of r.ages) expect(age).toBeGreaterThan(10); // age comes from the description model (faceres)
    for (const e of r.emotions) expect(EMOTIONS).toContain(e);
    expect(r.ms).toBeGreaterThan(0);
  });

  it.each(['knn_train_rose_leslie_img1.jpg', 'knn_train_rose_leslie_img2.jpg'])(
    'sees Rose Leslie (%s) as female',
    async (f) => {
      const r = await peer.analyze(fx(`faces/rose_leslie/${f}`));
      expect(r.faces).toBe(1);
      expect(r.genders).toEqual(['female']);
    },
  );

  it('reads an RGBA PNG (alpha dropped)', async () => {
    const r = await peer.analyze(fx('faces/barack_obama/32bit.png'));
    expect(r.faces).toBe(1);
    expect(r.genders).toEqual(['male']);
  });

  it('does not leak tensors across repeated calls, and gives the same answer each time (no frame cache)', async () => {
    const files = ['scenes/two_people.jpg', 'scenes/knn_test_kit_with_rose.jpg', 'faces/barack_obama/obama.jpg'].map(
      fx,
    );
    const before = peer.memory().numTensors;
    const first = await Promise.all(files.map((f) => peer.analyze(f))); // concurrent calls are serialised
    expect(peer.memory().numTensors).toBe(before);
    for (let i = 0; i < 3; i++) {
      for (const [k, f] of files.entries()) {
        const r = await peer.analyze(f);
        expect(peer.memory().numTensors).toBe(before);
        expect({ faces: r.faces, genders: r.genders, ages: r.ages }).toEqual({
          faces: first[k].faces,
          genders: first[k].genders,
          ages: first[k].ages,
        });
      }
    }
  });

  it('writes nothing to stdout while analysing', async () => {
    const write = jest.spyOn(process.stdout, 'write');
    try {
      await peer.analyze(fx('scenes/knn_test_kit_with_rose.jpg'));
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  it('rejects a missing file without breaking later calls or leaking', async () => {
    const before = peer.memory().numTensors;
    await expect(peer.analyze(fx('does/not/exist.jpg'))).rejects.toThrow();
    const r = await peer.analyze(fx('scenes/two_people.jpg'));
    expect(r.faces).toBe(2);
    expect(peer.memory().numTensors).toBe(before);
  });
});
