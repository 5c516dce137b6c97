// CSV loading: header or given column names, dropped columns, missing tokens, label mapping. Every bad row or
// mismatch names the file, the line (1-based) and the column.
import { readFileSync } from 'node:fs';
import { DatasetConfigInvalidError, DatasetFileError, DatasetParseError, DatasetSchemaMismatchError } from '../errors';
import type { Examples } from '@cloister/model-runtime';
import type { CsvDatasetConfig } from './config';

export interface LoadedTable {
  examples: Examples;
  featureNames: string[];
  /** Data rows in the file (without the header). */
  rowsRead: number;
  /** Rows dropped for missing values. */
  rowsDropped: number;
}

type LabelMapper = (raw: string, line: number, column: number) => number;

const EXPRESSION = /^\s*(?:([A-Za-z_][\w.]*)\s*)?(>=|<=|==|!=|>|<)\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;

function splitLine(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

function labelMapper(config: CsvDatasetConfig, file: string): LabelMapper {
  const { map, column } = config.label;
  const parseNumber = (raw: string, line: number, col: number): number => {
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v)) {
      throw new DatasetParseError(`${file}:${line}:${col}: label column "${column}" holds "${raw}", which is not a number.`, { details: {
        file, line, column: col, columnName: column, value: raw,
      } });
    }
    return v;
  };
  if (map === undefined) return parseNumber;
  if (typeof map === 'string') {
    const m = EXPRESSION.exec(map);
    if (!m || (m[1] !== undefined && m[1] !== column)) {
      throw new DatasetConfigInvalidError(
        `${file}: label.map "${map}" is not an expression like "${column} > 0" or a table like {"M": 1, "B": 0}.`,
        { details: { file, map } },
      );
    }
    const op = m[2]!;
    const threshold = Number(m[3]);
    const test: Record<string, (v: number) => boolean> = {
      '>': (v) => v > threshold, '>=': (v) => v >= threshold, '<': (v) => v < threshold,
      '<=': (v) => v <= threshold, '==': (v) => v === threshold, '!=': (v) => v !== threshold,
    };
    return (raw, line, col) => (test[op]!(parseNumber(raw, line, col)) ? 1 : 0);
  }
  return (raw, line, col) => {
    const v = map[raw];
    if (v === undefined) {
      throw new DatasetParseError(
        `${file}:${line}:${col}: label "${raw}" is not in label.map (${Object.keys(map).join(', ')}).`,
        { details: { file, line, column: col, columnName: column, value: raw } },
      );
    }
    return v;
  };
}

/**
 * Reads a CSV file per its config. `features`, when given (the task spec's data.features), selects and orders the
 * feature columns; every name must exist.
 */
export function loadCsv(config: CsvDatasetConfig, file: string, features?: readonly string[]): LoadedTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DatasetFileError(`Cannot read the data file ${file}: ${(error as Error).message}`, { details: { file }, cause: error });
  }
  const delimiter = config.delimiter ?? ',';
  const lines = text.split(/\r?\n/);
  let names: string[];
  let firstDataLine = 0;
  if (config.header) {
    names = splitLine(lines[0] ?? '', delimiter).map((s) => s.trim());
    firstDataLine = 1;
    if (config.columns && (config.columns.length !== names.length || config.columns.some((c, i) => c !== names[i]))) {
      throw new DatasetSchemaMismatchError(
        `${file}:1: the header (${names.join(', ')}) differs from the config's columns (${config.columns.join(', ')}).`,
        { details: { file, line: 1, header: names, columns: config.columns } },
      );
    }
  } else {
    names = [...config.columns!];
  }
  const index = new Map(names.map((n, i) => [n, i]));
  if (index.size !== names.length) {
    throw new DatasetConfigInvalidError(`${file}: column names are not unique (${names.join(', ')}).`, { details: { file } });
  }
  for (const c of config.dropColumns ?? []) {
    if (!index.has(c)) {
      throw new DatasetConfigInvalidError(`${file}: dropColumns names "${c}", which is not a column (${names.join(', ')}).`, { details: {
        file, column: c,
      } });
    }
  }
  const labelIndex = index.get(config.label.column);
  if (labelIndex === undefined || (config.dropColumns ?? []).includes(config.label.column)) {
    throw new DatasetConfigInvalidError(`${file}: label column "${config.label.column}" is not a kept column (${names.join(', ')}).`, { details: {
      file, column: config.label.column,
    } });
  }
  const dropped = new Set(config.dropColumns ?? []);
  const available = names.filter((n) => !dropped.has(n) && n !== config.label.column);
  let featureNames = available;
  if (features) {
    const unknown = features.filter((f) => !available.includes(f));
    if (unknown.length > 0) {
      throw new DatasetSchemaMismatchError(
        `${file}: the task expects feature(s) ${unknown.join(', ')} that the dataset does not provide (it has ${available.join(', ')}).`,
        { details: { file, missing: unknown, available } },
      );
    }
    featureNames = [...features];
  }
  const featureIdx = featureNames.map((f) => index.get(f)!);
  const checkedIdx = [...featureIdx, labelIndex];
  const mapLabel = labelMapper(config, file);
  const oneHot = config.label.oneHot;
  const missingToken = config.missing;
  const feats: number[] = [];
  const labels: number[] = [];
  let rowsRead = 0;
  let rowsDropped = 0;

  for (let li = firstDataLine; li < lines.length; li++) {
    const raw = lines[li]!;
    if (raw.trim() === '') continue;
    const line = li + 1;
    rowsRead++;
    const fields = splitLine(raw, delimiter);
    if (fields.length !== names.length) {
      throw new DatasetSchemaMismatchError(
        `${file}:${line}: expected ${names.length} columns (${names.join(', ')}) but found ${fields.length}; check "columns", "header" and "delimiter".`,
        { details: { file, line, expected: names.length, found: fields.length } },
      );
    }
    let missingAt = -1;
    for (const c of checkedIdx) {
      const v = fields[c]!.trim();
      if (v === '' || (missingToken !== undefined && v === missingToken)) {
        missingAt = c;
        break;
      }
    }
    if (missingAt >= 0) {
      if (config.dropMissing) {
        rowsDropped++;
        continue;
      }
      throw new DatasetParseError(
        `${file}:${line}:${missingAt + 1}: column "${names[missingAt]}" is missing ("${fields[missingAt]!.trim()}"); set dropMissing or fix the row.`,
        { details: { file, line, column: missingAt + 1, columnName: names[missingAt] } },
      );
    }
    for (const c of featureIdx) {
      const s = fields[c]!.trim();
      const v = Number(s);
      if (!Number.isFinite(v)) {
        throw new DatasetParseError(`${file}:${line}:${c + 1}: column "${names[c]}" holds "${s}", which is not a number.`, { details: {
          file, line, column: c + 1, columnName: names[c], value: s,
        } });
      }
      feats.push(v);
    }
    const label = mapLabel(fields[labelIndex]!.trim(), line, labelIndex + 1);
    if (oneHot) {
      if (!Number.isInteger(label) || label < 0 || label >= oneHot) {
        throw new DatasetParseError(`${file}:${line}:${labelIndex + 1}: label ${label} is not a class id in [0, ${oneHot}).`, { details: {
          file, line, column: labelIndex + 1, value: label,
        } });
      }
      for (let k = 0; k < oneHot; k++) labels.push(k === label ? 1 : 0);
    } else labels.push(label);
  }
  const count = labels.length / (oneHot ?? 1);
  return {
    examples: {
      featureShape: [featureNames.length],
      labelShape: [oneHot ?? 1],
      features: Float32Array.from(feats),
      labels: Float32Array.from(labels),
      count,
    },
    featureNames,
    rowsRead,
    rowsDropped,
  };
}
