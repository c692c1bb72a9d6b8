import { Inject, Injectable } from '@nestjs/common';
import {
  faceCropKeyOf,
  faceCropObjectKeys,
  faceCropsKey,
  FACE_CROP_KINDS,
  isFaceCropsKey,
  ObjectNotFoundError,
  ObjectStore,
  type FaceCropKind,
  type FaceRef,
} from '@storelens/storage';
import { decodeImage, type RgbImage } from '@storelens/vision';
import sharp from 'sharp';

/** "SLFC", format version 1. */
const MAGIC = 0x534c4643;
const VERSION = 1;

/**
 * The crops of one face as one object (`faceCropsKey`): magic u32, version u8, crop count u8, then per crop (in
 * FACE_CROP_KINDS order) width u16, height u16 and width x height x 3 bytes of RGB; little-endian. Raw, because the
 * crops are model inputs: the embedding gets exactly the detector's pixels, with no image codec on either side.
 */
export function packFaceCrops(crops: Record<FaceCropKind, RgbImage>): Buffer {
  const size = 6 + FACE_CROP_KINDS.reduce((n, k) => n + 4 + crops[k].width * crops[k].height * 3, 0);
  const out = Buffer.allocUnsafe(size);
  let o = out.writeUInt32LE(MAGIC, 0);
  o = out.writeUInt8(VERSION, o);
  o = out.writeUInt8(FACE_CROP_KINDS.length, o);
  for (const kind of FACE_CROP_KINDS) {
    const { width, height, data } = crops[kind];
    if (data.length !== width * height * 3) throw new RangeError(`${kind} crop is not ${width}x${height} RGB`);
    o = out.writeUInt16LE(width, o);
    o = out.writeUInt16LE(height, o);
    o += Buffer.from(data.buffer, data.byteOffset, data.length).copy(out, o);
  }
  return out;
}

/** One crop out of `packFaceCrops`'s buffer (a view, no copy); throws on anything that is not one. */
export function unpackFaceCrop(bytes: Buffer, kind: FaceCropKind): RgbImage {
  const bad = (why: string) => new Error(`not a face crops object: ${why}`);
  if (bytes.length < 6 || bytes.readUInt32LE(0) !== MAGIC) throw bad('wrong magic');
  if (bytes.readUInt8(4) !== VERSION) throw bad(`version ${bytes.readUInt8(4)}`);
  if (bytes.readUInt8(5) !== FACE_CROP_KINDS.length) throw bad('wrong crop count');
  let o = 6;
  for (const k of FACE_CROP_KINDS) {
    if (o + 4 > bytes.length) throw bad('truncated');
    const width = bytes.readUInt16LE(o);
    const height = bytes.readUInt16LE(o + 2);
    const length = width * height * 3;
    if (o + 4 + length > bytes.length) throw bad('truncated');
    if (k === kind) return { width, height, data: new Uint8Array(bytes.buffer, bytes.byteOffset + o + 4, length) };
    o += 4 + length;
  }
  throw bad(`no ${kind} crop`);
}

/** Faces stored before the one-object layout kept one lossless PNG per crop. */
export async function encodePng(img: RgbImage): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png({ compressionLevel: 1 }) // lossless either way; the crops are small and short-lived, so favour speed
    .toBuffer();
}

/** Face crops in the object store: written by detection, read by embedding and attribute. */
@Injectable()
export class FaceCropStore {
  constructor(@Inject(ObjectStore) private readonly store: ObjectStore) {}

  /**
   * Stores both crops of a face as one object and returns its key (the face's crop_key); the key is fixed by the
   * face's position, so a replay overwrites it.
   */
  async save(ref: FaceRef, crops: Record<FaceCropKind, RgbImage>): Promise<string> {
    const key = faceCropsKey(ref);
    await this.store.put(key, packFaceCrops(crops), 'application/octet-stream');
    return key;
  }

  /** One crop of a face, or null when the object is gone. */
  async load(cropKey: string, kind: FaceCropKind): Promise<RgbImage | null> {
    const bundled = isFaceCropsKey(cropKey);
    let bytes: Buffer;
    try {
      bytes = await this.store.get(bundled ? cropKey : faceCropKeyOf(cropKey, kind));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return null;
      throw err;
    }
    return bundled ? unpackFaceCrop(bytes, kind) : decodeImage(bytes);
  }

  async remove(cropKey: string): Promise<void> {
    const keys = isFaceCropsKey(cropKey) ? [cropKey] : faceCropObjectKeys(cropKey);
    await Promise.all(keys.map((key) => this.store.remove(key)));
  }
}
