import { Inject, Injectable } from '@nestjs/common';
import { faceCropKey, ObjectNotFoundError, ObjectStore, type FaceRef } from '@storelens/storage';
import { decodeImage, type RgbImage } from '@storelens/vision';
import sharp from 'sharp';

/**
 * The two crops detection stores for every face, beside its frame and named after `faceCropKey`:
 *
 *   <frame stem>.face-<nn>.aligned.png     112x112, aligned on the five landmarks: the embedder's input
 *   <frame stem>.face-<nn>.attribute.png   112x112 square crop of 1.0 x the box: the age/gender and emotion input
 *
 * PNG, because the crops are model inputs: a lossless round trip gives the embedding the detector's own pixels
 * would. `faces.crop_key` holds the aligned crop's key; the attribute crop's key is derived from it, so a later
 * stage finds both from the face row alone.
 */
export type FaceCropKind = 'aligned' | 'attribute';
export type FaceCropKeys = Record<FaceCropKind, string>;

const STORED = /\.(aligned|attribute)\.png$/;

export function faceCropKeys(ref: FaceRef): FaceCropKeys {
  const base = faceCropKey(ref);
  if (!base.endsWith('.jpg')) throw new Error(`unexpected face crop key ${base}`);
  const stem = base.slice(0, -'.jpg'.length);
  return { aligned: `${stem}.aligned.png`, attribute: `${stem}.attribute.png` };
}

/** The key of one kind of crop, from a face's `crop_key` (the aligned crop's key). */
export function faceCropKeyOf(cropKey: string, kind: FaceCropKind): string {
  if (!STORED.test(cropKey)) throw new Error(`not a face crop key: ${cropKey}`);
  return cropKey.replace(STORED, `.${kind}.png`);
}

/** Every object stored for a face: what removing the face (an identity purge) must remove too. */
export function faceCropObjectKeys(cropKey: string): string[] {
  return [faceCropKeyOf(cropKey, 'aligned'), faceCropKeyOf(cropKey, 'attribute')];
}

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
