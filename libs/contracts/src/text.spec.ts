import { SafeText, withoutServerPaths } from './text';

describe('SafeText: the schema of every name field', () => {
  const name = SafeText({ max: 20 });

  it.each([
    ['NUL', 'a\u0000b'],
    ['CR/LF', 'Alice\r\nINFO forged log line'],
    ['an ANSI escape', '\u001b[31mred\u001b[0m'],
    ['a tab', 'a\tb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a bidi override', 'abc\u202Egpj.exe'],
  ])('refuses %s with the reason', (_what, value) => {
    const r = name.safeParse(value);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/control characters/);
  });

  it('trims, and refuses empty or long names', () => {
    expect(name.parse('  Berlin Mitte ')).toBe('Berlin Mitte');
    expect(name.parse('Zoë Ünal 李')).toBe('Zoë Ünal 李');
    expect(name.safeParse('   ').success).toBe(false);
    expect(name.safeParse('x'.repeat(21)).success).toBe(false);
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
