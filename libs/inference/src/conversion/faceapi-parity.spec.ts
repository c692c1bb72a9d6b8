/**
 * The face-api networks built by the converter, run by ONNX Runtime, against face-api itself (its own net classes and
 * weights on TF.js 4.22's CPU backend) on real fixture faces. They also come out byte for byte as the manifest says.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { config, repoRoot } from '@storelens/config';
import { buildFromNpmSource } from '@storelens/model-convert';
import { alignFace, decodeImage, toNhwcFloat, type RgbImage } from '@storelens/vision';
import { modelManifest } from '../manifest';
import { FaceDetector } from '../models/face-detector';
import { modelOptions } from '../models/model-base';
import { attributeCrop } from '../models/attribute-models';
import { faceRecNetInput } from '../models/face-embedder';
import { OnnxSession } from '../onnx/session';
import { maxAbsDiff, runOnnx } from './testing/run-onnx';

// face-api's Node build that uses the installed @tensorflow/tfjs (pure JS); its types are not needed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const PHOTOS = [
  'faces/rose_leslie/knn_train_rose_leslie_img1.jpg',
  'faces/barack_obama/obama.jpg',
  'scenes/knn_test_obama_and_biden.jpg',
];

function tensors(crops: RgbImage[]): tf.Tensor3D[] {
  return crops.map((c) => faceapi.tf.tensor3d(Float32Array.from(c.data), [c.height, c.width, 3]));
}

describe('face-api networks converted to ONNX match face-api on TF.js', () => {
  const m = modelManifest();
  let faces112: RgbImage[] = [];
  let faces150: RgbImage[] = [];

  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    await faceapi.tf.setBackend('cpu');
    const dir = path.join(repoRoot(), 'node_modules/@vladmandic/face-api/model');
    await faceapi.nets.ageGenderNet.loadFromDisk(dir);
    await faceapi.nets.faceExpressionNet.loadFromDisk(dir);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
    const detector = await FaceDetector.create(modelOptions(config()));
    for (const rel of PHOTOS) {
      const img = await decodeImage(readFileSync(path.join(config().assetsDir, 'fixtures', rel)));
      for (const d of await detector.detect(img)) {
        faces112.push(attributeCrop(img, d.box));
        faces150.push(faceRecNetInput(alignFace(img, d.landmarks, 112)));
      }
    }
    // TF.js's pure-JS backend is slow (FaceRecognitionNet ~10 s a face on a busy machine): a few faces suffice
    faces112 = faces112.slice(0, 4);
    faces150 = faces150.slice(0, 3);
  });
  afterAll(() => OnnxSession.closeAll());

  const built = (role: 'ageGender' | 'emotion' | 'faceRecNet') => {
    const entry = m[role];
    const bytes = buildFromNpmSource(entry.source!, repoRoot());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
    return bytes;
  };

  it('age and gender (AgeGenderNet) to 1e-4', async () => {
    expect(faces112.length).toBe(4);
    const out = await runOnnx(built('ageGender'), { input: { data: toNhwcFloat(faces112), dims: [faces112.length, 112, 112, 3] } });
    const ref = await faceapi.nets.ageGenderNet.forward(tensors(faces112));
    expect(maxAbsDiff(out['age'].data, ref.age.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(out['gender'].data, ref.gender.dataSync())).toBeLessThan(1e-4);
  });

  it('expressions (FaceExpressionNet) to 1e-4', async () => {
    const out = await runOnnx(built('emotion'), { input: { data: toNhwcFloat(faces112), dims: [faces112.length, 112, 112, 3] } });
    const ref = await faceapi.nets.faceExpressionNet.forward(tensors(faces112));
    expect(maxAbsDiff(out['expressions'].data, ref.dataSync())).toBeLessThan(1e-4);
  });

  it('face descriptors (FaceRecognitionNet) to 1e-4', async () => {
    const out = await runOnnx(built('faceRecNet'), { input: { data: toNhwcFloat(faces150), dims: [faces150.length, 150, 150, 3] } });
    const ref = await faceapi.nets.faceRecognitionNet.forward(tensors(faces150));
    expect(out['descriptor'].dims).toEqual([faces150.length, 128]);
    expect(maxAbsDiff(out['descriptor'].data, ref.dataSync())).toBeLessThan(1e-4);
  });
});
