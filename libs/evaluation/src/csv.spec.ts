import { normaliseHeader, parseCsv, readCsvTable, sniffDelimiter } from './csv';

const fields = (text: string, delimiter?: string): string[][] => parseCsv(text, delimiter).records.map((r) => r.fields);

describe('parseCsv', () => {
  it('splits plain rows', () => {
    expect(fields('a,b,c\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
  });

  it('reads quoted fields with delimiters, doubled quotes and line breaks', () => {
    const r = parseCsv('name,note\n"Smith, J","say ""hi"""\n"multi\r\nline",x\nlast,row');
    expect(r.records.map((x) => x.fields)).toEqual([
      ['name', 'note'],
      ['Smith, J', 'say "hi"'],
      ['multi\nline', 'x'],
      ['last', 'row'],
    ]);
    // line numbers are where each record starts
    expect(r.records.map((x) => x.line)).toEqual([1, 2, 3, 5]);
    expect(r.unterminatedQuote).toBe(false);
  });

  it('handles CRLF, lone CR, a BOM, blank lines and a missing final newline', () => {
    expect(fields('\uFEFFa,b\r\n\r\n1,2\r3,4\n   \n5,6')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(fields('a,,c,\n,,,\n')).toEqual([
      ['a', '', 'c', ''],
      ['', '', '', ''],
    ]);
    expect(fields('"",""\n')).toEqual([['', '']]);
    expect(fields('""\n')).toEqual([]); // one empty field is a blank line
  });

  it('sniffs ; and tab when the header has no comma', () => {
    expect(sniffDelimiter('file;gender\n')).toBe(';');
    expect(sniffDelimiter('file\tgender\n')).toBe('\t');
    expect(sniffDelimiter('file,gender;x\n')).toBe(',');
    expect(fields('a;b\n"1;2";3')).toEqual([
      ['a', 'b'],
      ['1;2', '3'],
    ]);
  });

  it('does not throw on an unterminated quote', () => {
    const r = parseCsv('a,b\n"oops,1\n2,3');
    expect(r.unterminatedQuote).toBe(true);
    expect(r.records[1].fields).toEqual(['oops,1\n2,3']);
  });

  it('keeps a quote inside an unquoted field literally', () => {
    expect(fields('it"s,fine')).toEqual([['it"s', 'fine']]);
  });
});

describe('readCsvTable', () => {
  it('normalises headers, trims values and flags ragged rows', () => {
    expect(normaliseHeader(' File A ')).toBe('file_a');
    expect(normaliseHeader('age-min')).toBe('age_min');
    const t = readCsvTable('File_A, File B ,SAME\n x.jpg , y.jpg ,1\nonly.jpg\n');
    expect(t.header).toEqual(['file_a', 'file_b', 'same']);
    expect(t.rows[0]).toEqual({ line: 2, values: { file_a: 'x.jpg', file_b: 'y.jpg', same: '1' } });
    expect(t.rows[1].values).toEqual({ file_a: 'only.jpg', file_b: '', same: '' });
    expect(t.raggedLines).toEqual([3]);
  });

  it('gives an empty header for an empty file', () => {
    expect(readCsvTable('').header).toEqual([]);
  });
});
