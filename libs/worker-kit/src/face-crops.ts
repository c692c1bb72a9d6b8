import { Inject, Injectable } from '@nestjs/common';
import {
  faceCropKeyOf,
  faceCropKeys,
  faceCropObjectKeys,
  ObjectNotFoundError,
  ObjectStore,
  type FaceCropKeys,
  type FaceCropKind,
  type FaceRef,
} from '@storelens/storage';
import { decodeImage, type RgbImage } from '@storelens/vision';
import sharp from 'sharp';

/** Crops are PNG because they are model inputs: a lossless round trip gives the embedding the detector's own pixels would. */
export async function encodePng(img: RgbImage): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png({ compressionLevel: 1 }) // lossless either way; the crops are small and short-lived, so favour speed
    .toBuffer();
}

/** Face crops in the object store: written by detection, read by embedding and attribute. */
@Injectable()
export class FaceCropStore {
  constructor(@Inject(ObjectStore) private readonly store: ObjectStore) {}

  /** Stores both crops of a face; the keys are fixed by the face's position, so a replay overwrites them. */
  async save(ref: FaceRef, crops: Record<FaceCropKind, RgbImage>): Promise<FaceCropKeys> {
    const keys = faceCropKeys(ref);
    const [aligned, attribute] = await Promise.all([encodePng(crops.aligned), encodePng(crops.attribute)]);
    await Promise.all([
      this.store.put(keys.aligned, aligned, 'image/png'),
      this.store.put(keys.attribute, attribute, 'image/png'),
    ]);
    return keys;
  }

  /** One crop of a face, or null when the object is gone. */
  async load(cropKey: string, kind: FaceCropKind): Promise<RgbImage | null> {
    let bytes: Buffer;
    try {
      bytes = await this.store.get(faceCropKeyOf(cropKey, kind));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return null;
      throw err;
    }
    return decodeImage(bytes);
  }

  async remove(cropKey: string): Promise<void> {
    await Promise.all(faceCropObjectKeys(cropKey).map((key) => this.store.remove(key)));
  }
}
