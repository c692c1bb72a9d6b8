import type { Provider } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { AgeGenderEstimator, EmotionClassifier, FaceDetector, FaceEmbedder, modelOptions } from '@storelens/inference';
import { CONFIG } from '@storelens/platform';

/**
 * The ONNX models as Nest providers: each is created once, while the application starts (a missing or
 * corrupt model file fails the boot, not the first job), and shared by every job of the process. A service lists
 * only the models it runs.
 */
export const FaceDetectorProvider: Provider = {
  provide: FaceDetector,
  useFactory: (cfg: StoreLensConfig) =>
    FaceDetector.create({
      ...modelOptions(cfg),
      threshold: cfg.vision.detectThreshold,
      minFaceSize: cfg.vision.minFaceSize,
    }),
  inject: [CONFIG],
};

export const FaceEmbedderProvider: Provider = {
  provide: FaceEmbedder,
  useFactory: (cfg: StoreLensConfig) => FaceEmbedder.create(modelOptions(cfg)),
  inject: [CONFIG],
};

export const AgeGenderEstimatorProvider: Provider = {
  provide: AgeGenderEstimator,
  useFactory: (cfg: StoreLensConfig) => AgeGenderEstimator.create(modelOptions(cfg)),
  inject: [CONFIG],
};

export const EmotionClassifierProvider: Provider = {
  provide: EmotionClassifier,
  useFactory: (cfg: StoreLensConfig) => EmotionClassifier.create(modelOptions(cfg)),
  inject: [CONFIG],
};
