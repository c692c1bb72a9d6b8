/**
 * Splits ffmpeg's image2pipe MJPEG output into whole JPEG images. Each image starts with SOI (FF D8) and ends
 * with EOI (FF D9); inside the entropy-coded data an FF byte is always followed by 00 or a restart marker, so the
 * first FF D9 after an SOI ends the image. Memory stays bounded: bytes before an SOI are dropped, and an image
 * larger than `maxBytes` is discarded.
 */
export class JpegSplitter {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const images: Buffer[] = [];
    for (;;) {
      const start = this.buffer.indexOf(SOI);
      if (start < 0) {
        // keep a trailing FF: it may be the first half of the next SOI
        this.buffer = this.buffer.subarray(
          this.buffer.length > 0 && this.buffer.at(-1) === 0xff ? -1 : this.buffer.length,
        );
        return images;
      }
      const end = this.buffer.indexOf(EOI, start + 2);
      if (end < 0) {
        this.buffer = this.buffer.subarray(start);
        if (this.buffer.length > this.maxBytes) this.buffer = Buffer.alloc(0);
        return images;
      }
      images.push(Buffer.from(this.buffer.subarray(start, end + 2)));
      this.buffer = this.buffer.subarray(end + 2);
    }
  }
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

/** Width and height from a JPEG's start-of-frame header, or null when there is none. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < jpeg.length) {
    if (jpeg[i] !== 0xff) return null;
    const marker = jpeg[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = jpeg.readUInt16BE(i + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    }
    i += 2 + length;
  }
  return null;
}
