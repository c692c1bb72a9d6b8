import { Alert } from './alert.entity';
import { ApiKey } from './api-key.entity';
import { Camera } from './camera.entity';
import { FaceEmbedding } from './face-embedding.entity';
import { Face } from './face.entity';
import { Frame } from './frame.entity';
import { IdentityFace } from './identity-face.entity';
import { Identity } from './identity.entity';
import { Media } from './media.entity';
import { Store } from './store.entity';
import { Tenant } from './tenant.entity';

export { Alert, ApiKey, Camera, Face, FaceEmbedding, Frame, Identity, IdentityFace, Media, Store, Tenant };
export { EMBEDDING_DIMENSIONS } from './face-embedding.entity';
export type { Point } from './face.entity';
export type { MediaPurpose } from './media.entity';

/** Every entity; the schema itself is defined by the migrations in ../migrations. */
export const entities = [
  Tenant,
  ApiKey,
  Store,
  Camera,
  Media,
  Frame,
  Face,
  Identity,
  IdentityFace,
  FaceEmbedding,
  Alert,
];
