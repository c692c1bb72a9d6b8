import { textField } from './api-schemas';

describe('TextField: the schema of every name field', () => {
  const name = textField(20);

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
    expect(r.error?.issues).toHaveLength(1);
    expect(r.error?.issues[0]?.message).toMatch(/control characters/);
  });

  it('trims, and refuses empty or long names', () => {
    expect(name.parse('  Berlin Mitte ')).toBe('Berlin Mitte');
    expect(name.parse('Zoë Ünal 李')).toBe('Zoë Ünal 李');
    expect(name.safeParse('   ').error?.issues[0]?.message).toBe('must not be empty');
    expect(name.safeParse('x'.repeat(21)).error?.issues[0]?.message).toBe('must be at most 20 characters');
  });
});
