// idx files (MNIST format), gzip-compressed or plain: unsigned-byte images and labels.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetFileError, DatasetSchemaMismatchError } from '../errors';
import type { Examples } from '@cloister/model-runtime';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Reads an idx file of unsigned bytes (type 0x08); gzip is detected from the magic bytes. */
export function readIdx(file: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new DatasetFileError(`Cannot read the idx file ${file}: ${(error as Error).message}`, { details: { file }, cause: error });
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new DatasetFileError(`${file} is not valid gzip: ${(error as Error).message}`, { details: { file }, cause: error });
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetFileError(`${file} is not an idx file (bad magic number).`, { details: { file } });
  }
  if (bytes[2] !== 0x08) {
    throw new DatasetFileError(`${file}: idx element type 0x${bytes[2]!.toString(16)} is not supported (only unsigned bytes, 0x08).`, { details: {
      file,
    } });
  }
  const ndim = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) throw new DatasetFileError(`${file}: the idx header is truncated.`, { details: { file } });
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - headerSize !== size) {
    throw new DatasetFileError(`${file}: the header announces ${size} bytes of data, the file holds ${bytes.length - headerSize}.`, { details: {
      file, expected: size, found: bytes.length - headerSize,
    } });
  }
  return { dims, data: bytes.subarray(headerSize) };
}

/** Images [n, h, w] (+ labels [n]) to examples: features [n, h, w, 1], labels sparse [n,1] or one-hot [n,k]. */
export function idxExamples(
  imagesFile: string,
  labelsFile: string,
  options: { normalize?: boolean; oneHot?: number; limit?: number },
): Examples {
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.dims.length !== 3) {
    throw new DatasetSchemaMismatchError(`${imagesFile}: expected 3 dimensions [n, rows, cols], found [${images.dims.join(', ')}].`, { details: {
      file: imagesFile,
    } });
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
    throw new DatasetSchemaMismatchError(
      `${labelsFile}: expected ${images.dims[0]} labels to match ${imagesFile}, found [${labels.dims.join(', ')}].`,
      { details: { file: labelsFile } },
    );
  }
  const [total, h, w] = images.dims as [number, number, number];
  const n = Math.min(total, options.limit ?? total);
  const pixels = h * w;
  const scale = options.normalize === false ? 1 : 1 / 255;
  const features = new Float32Array(n * pixels);
  for (let i = 0; i < n * pixels; i++) features[i] = images.data[i]! * scale;
  const k = options.oneHot;
  const ys = new Float32Array(n * (k ?? 1));
  for (let i = 0; i < n; i++) {
    const label = labels.data[i]!;
    if (k !== undefined) {
      if (label >= k) {
        throw new DatasetSchemaMismatchError(`${labelsFile}: label ${label} at index ${i} is not below oneHot = ${k}.`, { details: {
          file: labelsFile, index: i,
        } });
      }
      ys[i * k + label] = 1;
    } else ys[i] = label;
  }
  return { featureShape: [h, w, 1], labelShape: [k ?? 1], features, labels: ys, count: n };
}
