// Rows for `infer --input`: a CSV file (one row per line, numbers separated by commas; a first line that is not numeric
// is taken as a header) or a JSON file (an array of arrays of numbers, or { "rows": [...] }).
import { readFileSync } from 'node:fs';
import { InferenceInputInvalidError } from '../errors';

export function parseRows(text: string, format: 'csv' | 'json'): number[][] {
  let rows: unknown;
  if (format === 'json') {
    try {
      rows = JSON.parse(text);
    } catch (cause) {
      throw new InferenceInputInvalidError('The input is not valid JSON: give an array of rows (arrays of numbers).', { cause });
    }
    if (rows !== null && typeof rows === 'object' && !Array.isArray(rows)) rows = (rows as { rows?: unknown }).rows;
  } else {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
    const parsed = lines.map((l) => l.split(',').map((v) => Number(v.trim())));
    rows = parsed.length > 0 && parsed[0]!.some((v) => Number.isNaN(v)) ? parsed.slice(1) : parsed;
  }
  if (!Array.isArray(rows) || rows.length === 0) throw new InferenceInputInvalidError('The input holds no rows.');
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length === 0 || row.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      throw new InferenceInputInvalidError(`Row ${i + 1} is not a list of finite numbers.`, { details: { row: i + 1 } });
    }
    if (row.length !== (rows as number[][])[0]!.length) {
      throw new InferenceInputInvalidError(`Row ${i + 1} has ${row.length} values, the first row ${(rows as number[][])[0]!.length}.`, { details: { row: i + 1 } });
    }
  });
  return rows as number[][];
}

export function readRows(file: string): number[][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InferenceInputInvalidError(`Cannot read ${file}; check the path given to --input.`, { details: { file }, cause });
  }
  return parseRows(text, file.toLowerCase().endsWith('.json') ? 'json' : 'csv');
}
