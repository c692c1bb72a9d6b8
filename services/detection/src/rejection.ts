import { enrolmentRejection } from '@storelens/decision';
import type { Media } from '@storelens/db';

/**
 * Why a media item cannot be used with this many faces in its frame, or null when it can. An enrolment photo
 * must show exactly one person (which face would we enrol otherwise?); a single analysed image with no face has
 * nothing to report. A video frame without faces is ordinary.
 */
export function rejectionOf(media: Pick<Media, 'purpose' | 'kind'>, faceCount: number): string | null {
  if (media.purpose === 'enrolment') return enrolmentRejection(faceCount);
  if (media.kind === 'image' && faceCount === 0) return 'no face found in the image';
  return null;
}
