import { rejectionOf } from './rejection';

describe('which frames make their media unusable', () => {
  it('needs exactly one face in an enrolment photo', () => {
    const enrolment = { purpose: 'enrolment', kind: 'image' } as const;
    expect(rejectionOf(enrolment, 0)).toBe('no face found in the enrolment photo');
    expect(rejectionOf(enrolment, 1)).toBeNull();
    expect(rejectionOf(enrolment, 3)).toBe('3 faces found; an enrolment photo must show exactly one person');
  });

  it('fails a single analysed image without faces, but not a video frame without faces', () => {
    expect(rejectionOf({ purpose: 'analysis', kind: 'image' }, 0)).toBe('no face found in the image');
    expect(rejectionOf({ purpose: 'analysis', kind: 'image' }, 2)).toBeNull();
    expect(rejectionOf({ purpose: 'analysis', kind: 'video' }, 0)).toBeNull();
  });
});
