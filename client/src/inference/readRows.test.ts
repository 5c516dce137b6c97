import { CLIENT_ERROR_CODES } from '../errors';
import { parseRows } from './readRows';

describe('parseRows (infer --input)', () => {
  it('reads CSV with or without a header, and JSON arrays or { rows }', () => {
    expect(parseRows('age,sex\n63,1\n41.5,0\n', 'csv')).toEqual([[63, 1], [41.5, 0]]);
    expect(parseRows('1,2\n3,4', 'csv')).toEqual([[1, 2], [3, 4]]);
    expect(parseRows('[[1,2],[3,4]]', 'json')).toEqual([[1, 2], [3, 4]]);
    expect(parseRows('{"rows":[[0.5]]}', 'json')).toEqual([[0.5]]);
  });

  it('refuses ragged, empty and non-numeric input with a coded error', () => {
    for (const [text, format] of [['1,2\n3', 'csv'], ['', 'csv'], ['[[1,"x"]]', 'json'], ['{', 'json'], ['a,b\n1,x', 'csv']] as const) {
      expect(() => parseRows(text, format)).toThrow(expect.objectContaining({ code: CLIENT_ERROR_CODES.InferenceInputInvalid }));
    }
  });
});
