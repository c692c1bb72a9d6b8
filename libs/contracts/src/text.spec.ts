import { hasUnsafeCharacters, withoutServerPaths } from './text';

describe('hasUnsafeCharacters', () => {
  it('finds NUL, line breaks, escapes and bidi overrides, not letters of any script', () => {
    for (const bad of ['a\u0000b', 'a\r\nb', '\u001b[31m', 'a\u202Eb']) expect(hasUnsafeCharacters(bad)).toBe(true);
    expect(hasUnsafeCharacters('Zoë Ünal 李')).toBe(false);
  });
});

describe('withoutServerPaths', () => {
  it('hides temp and install paths in a tool’s message', () => {
    expect(withoutServerPaths('not a readable video: /tmp/storelens-upload-AbC123/media: moov atom not found')).toBe(
      'not a readable video: the file: moov atom not found',
    );
    expect(withoutServerPaths("ENOENT: no such file or directory, open '/work/wt/x/tmp/a.jpg'")).not.toMatch(/\/work/);
    expect(withoutServerPaths('no video stream')).toBe('no video stream');
  });
});
