import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { config } from '@storelens/config';
import { decodeImage } from '@storelens/vision';
import { reusableJpeg, stripMetadata } from './jpeg-frame';

const fixture = (rel: string) => readFileSync(path.join(config().assetsDir, 'fixtures', rel));

describe('reusableJpeg', () => {
  it('keeps an upright sRGB JPEG as it is, minus its metadata, decoding to the same pixels', async () => {
    const jpeg = fixture('scenes/knn_test_kit_with_rose.jpg'); // carries EXIF and XMP
    const reused = await reusableJpeg(jpeg, 50_000_000);
    expect(reused).not.toBeNull();
    const meta = await sharp(reused!.bytes).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: reused!.width, height: reused!.height });
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    const [a, b] = await Promise.all([decodeImage(jpeg), decodeImage(reused!.bytes)]);
    expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true);
  });

  it('leaves to the full decode what it cannot vouch for', async () => {
    const jpeg = fixture('scenes/two_people.jpg');
    expect(await reusableJpeg(jpeg.subarray(0, jpeg.length >> 1), 50_000_000)).toBeNull(); // truncated
    expect(await reusableJpeg(jpeg, 1000)).toBeNull(); // over the pixel limit
    const rotated = await sharp(jpeg).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await reusableJpeg(rotated, 50_000_000)).toBeNull();
    expect(await reusableJpeg(fixture('faces/alex_lacamoire/alex-lacamoire.png'), 50_000_000)).toBeNull();
    const grey = await sharp(jpeg).toColourspace('b-w').jpeg().toBuffer(); // one channel
    expect(await reusableJpeg(grey, 50_000_000)).toBeNull();
    expect(stripMetadata(Buffer.from([0xff, 0xd8, 0x00, 0x00, 0xff, 0xd9]))).toBeNull();
  });
});
