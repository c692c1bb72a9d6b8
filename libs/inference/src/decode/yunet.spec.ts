import { decodeYunet, type YunetOutputs } from './yunet';

/** Zeroed YuNet outputs for a 32x32 input: 16 anchors at stride 8, 4 at 16, 1 at 32. */
function outputs(): YunetOutputs {
  const out: YunetOutputs = {};
  for (const s of [8, 16, 32]) {
    const n = (32 / s) * (32 / s);
    out[`cls_${s}`] = { data: new Float32Array(n) };
    out[`obj_${s}`] = { data: new Float32Array(n) };
    out[`bbox_${s}`] = { data: new Float32Array(n * 4) };
    out[`kps_${s}`] = { data: new Float32Array(n * 10) };
  }
  return out;
}

describe('decodeYunet', () => {
  it('decodes an anchor into a box and five landmarks in input pixels', () => {
    const o = outputs();
    const i = 1 * 4 + 2; // stride 8, row 1, column 2
    o.cls_8.data[i] = 0.81;
    o.obj_8.data[i] = 1.2; // clamped to 1
    o.bbox_8.data.set([0.5, 0.5, Math.log(2), Math.log(3)], i * 4);
    o.kps_8.data.set([0.25, 0.25, 0.75, 0.25, 0.5, 0.5, 0.25, 0.75, 0.75, 0.75], i * 10);
    const [d, ...rest] = decodeYunet(o, 32, 32, 0.5);
    expect(rest).toEqual([]);
    expect(d.score).toBeCloseTo(0.9);
    expect(d.box.x).toBeCloseTo(20 - 8);
    expect(d.box.y).toBeCloseTo(12 - 12);
    expect(d.box.width).toBeCloseTo(16);
    expect(d.box.height).toBeCloseTo(24);
    expect(d.landmarks[0]).toEqual([18, 10]);
    expect(d.landmarks[4]).toEqual([22, 14]);
  });

  it('drops anchors under the threshold and rejects outputs of the wrong size', () => {
    const o = outputs();
    o.cls_32.data[0] = 0.5;
    o.obj_32.data[0] = 0.5; // score 0.5
    expect(decodeYunet(o, 32, 32, 0.9)).toEqual([]);
    expect(decodeYunet(o, 32, 32, 0.4)).toHaveLength(1);
    expect(() => decodeYunet(o, 64, 32, 0.9)).toThrow(/anchors/);
  });
});
