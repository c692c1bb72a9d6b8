import sharp from 'sharp';
import { decodeImage, ImageDecodeError } from './decode';
import { blankGreyPng as bigPng } from './synthetic';

const solid = (w: number, h: number, channels: 3 | 4, colour: number[]) =>
  sharp({ create: { width: w, height: h, channels, background: { r: colour[0], g: colour[1], b: colour[2], alpha: colour[3] ?? 1 } } });

async function expectReason(p: Promise<unknown>, reason: ImageDecodeError['reason']) {
  await expect(p).rejects.toBeInstanceOf(ImageDecodeError);
  await expect(p).rejects.toMatchObject({ reason });
}

describe('decodeImage', () => {
  it('decodes JPEG, WebP and 8-bit PNG to RGB', async () => {
    for (const fmt of ['jpeg', 'webp', 'png'] as const) {
      const img = await decodeImage(await solid(7, 5, 3, [200, 100, 50]).toFormat(fmt, { quality: 100 }).toBuffer());
      expect([img.width, img.height, img.data.length]).toEqual([7, 5, 7 * 5 * 3]);
      expect(Math.abs(img.data[0] - 200)).toBeLessThan(6);
    }
  });

  it('brings 16-bit and RGBA PNG to 8-bit RGB', async () => {
    const png16 = await solid(4, 4, 3, [255, 0, 0]).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const a = await decodeImage(png16);
    expect(Array.from(a.data.subarray(0, 3))).toEqual([255, 0, 0]);
    const rgba = await decodeImage(await solid(4, 4, 4, [0, 255, 0, 0.5]).png().toBuffer());
    expect(rgba.data.length).toBe(4 * 4 * 3);
  });

  it('reads the first frame of an animated GIF', async () => {
    const red = await solid(6, 6, 3, [255, 0, 0]).png().toBuffer();
    const blue = await solid(6, 6, 3, [0, 0, 255]).png().toBuffer();
    const gif = await sharp([red, blue], { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const img = await decodeImage(gif);
    expect([img.width, img.height]).toEqual([6, 6]);
    expect(img.data[0]).toBeGreaterThan(200);
    expect(img.data[2]).toBeLessThan(50);
  });

  it('applies EXIF orientation', async () => {
    const rotated = await solid(20, 10, 3, [9, 9, 9]).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(rotated);
    expect([img.width, img.height]).toEqual([10, 20]);
  });

  it('explains empty, non-image and truncated input', async () => {
    await expectReason(decodeImage(Buffer.alloc(0)), 'empty');
    await expectReason(decodeImage(Buffer.from('hello, this is text, not a photo')), 'not-an-image');
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
      .jpeg()
      .toBuffer();
    await expectReason(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2))), 'corrupt');
  });

  it('refuses a 20000 x 20000 PNG from its header, before allocating its pixels', async () => {
    const png = await bigPng(20000, 20000);
    const before = process.memoryUsage().rss;
    await expectReason(decodeImage(png), 'too-large');
    await expect(decodeImage(png)).rejects.toThrow(/20000x20000/);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 2 ** 20);
  }, 60000);
});
