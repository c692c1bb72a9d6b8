import sharp from 'sharp';
import { decodeImage, ImageDecodeError, isSrgbProfile } from './decode';
import { blankGreyPng as bigPng } from './synthetic';

const solid = (w: number, h: number, channels: 3 | 4, colour: number[]) =>
  sharp({
    create: {
      width: w,
      height: h,
      channels,
      background: { r: colour[0], g: colour[1], b: colour[2], alpha: colour[3] ?? 1 },
    },
  });

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
    const gif = await sharp([red, blue], { join: { animated: true } })
      .gif()
      .toBuffer();
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
    const jpeg = await sharp({
      create: {
        width: 64,
        height: 64,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 30 },
      },
    })
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

/** A minimal ICC profile: the 128-byte header with `model` at byte 48, and one 'desc' tag (ICC v2 text) of `text`. */
function iccProfile(model: string, text: string | null): Buffer {
  const tags = text === null ? 0 : 1;
  const descAt = 132 + 12 * tags;
  const desc =
    text === null
      ? Buffer.alloc(0)
      : Buffer.concat([Buffer.from('desc\0\0\0\0', 'latin1'), Buffer.alloc(4), Buffer.from(`${text}\0`, 'latin1')]);
  if (text !== null) desc.writeUInt32BE(text.length + 1, 8);
  const b = Buffer.alloc(descAt + desc.length);
  b.write('mntrRGB XYZ ', 12, 'latin1');
  b.write('acsp', 36, 'latin1');
  b.write(model.padEnd(8, '\0'), 48, 'latin1');
  b.writeUInt32BE(tags, 128);
  if (text !== null) {
    b.write('desc', 132, 'latin1');
    b.writeUInt32BE(descAt, 136);
    b.writeUInt32BE(desc.length, 140);
    desc.copy(b, descAt);
  }
  return b;
}

describe('isSrgbProfile', () => {
  it('knows the IEC 61966-2-1 sRGB profile by its header or its description', () => {
    expect(isSrgbProfile(iccProfile('IEC sRGB', null))).toBe(true);
    expect(isSrgbProfile(iccProfile('', 'sRGB IEC61966-2.1'))).toBe(true);
    expect(isSrgbProfile(iccProfile('', 'sRGB IEC61966-2-1 black scaled'))).toBe(true);
  });

  it('leaves every other profile, and anything that is not one, to be converted', () => {
    expect(isSrgbProfile(iccProfile('KODAROMM', 'ProPhoto RGB'))).toBe(false);
    expect(isSrgbProfile(iccProfile('', 'Display P3'))).toBe(false);
    expect(isSrgbProfile(iccProfile('', 'Adobe RGB (1998)'))).toBe(false);
    expect(isSrgbProfile(undefined)).toBe(false);
    expect(isSrgbProfile(Buffer.from('IEC sRGB'))).toBe(false);
    const notIcc = iccProfile('IEC sRGB', null);
    notIcc.write('xxxx', 36, 'latin1');
    expect(isSrgbProfile(notIcc)).toBe(false);
    // a tag table that points past the end
    const cut = iccProfile('', 'sRGB IEC61966-2.1');
    expect(isSrgbProfile(cut.subarray(0, 150))).toBe(false);
  });

  it('still converts an image whose profile is not sRGB', async () => {
    // a saturated red tagged Display P3 is redder than sRGB can show: converted, it is clipped and shifted
    const p3 = await solid(8, 8, 3, [250, 20, 20]).withIccProfile('p3').png().toBuffer();
    const converted = await decodeImage(p3);
    const raw = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
    expect(Math.abs(converted.data[1] - raw[1]) + Math.abs(converted.data[2] - raw[2])).toBeGreaterThan(10);
  });
});
