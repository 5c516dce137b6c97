// The frame both binary formats share (the tensor encoding "CLTN" and the update encoding "CLUP"): a 4-byte magic,
// a u16 LE version and a reserved u16 that must be zero; then format-specific header entries, zero-padded up to an
// aligned offset where the payload starts. Written and checked here once, so both formats fail the same way.
import {
  CodecBadMagicError,
  CodecInconsistentError,
  CodecTruncatedError,
  CodecUnsupportedVersionError,
} from '../errors.js';

export type BinaryFormat = {
  /** How messages name the format ("tensor encoding", "update encoding"). */
  label: string;
  /** The magic as ASCII ("CLTN"). */
  magicText: string;
  magic: Uint8Array;
  version: number;
  /** Bytes before the first header entry. */
  fixedHeaderBytes: number;
  /** The payload offset is a multiple of this. */
  alignment: number;
  /** The header field that holds the payload offset, as messages and details name it ("dataOffset"). */
  offsetField: string;
  /** The details of every error about this format's frame carry `format: name`. */
  details: { format: string };
};

/**
 * Describes a format `name` ("tensor") in the layout table's terms: its magic, version, the bytes of its fixed header,
 * the alignment of its payload offset and that offset's field name.
 */
export function binaryFormat(
  name: string,
  magicText: string,
  version: number,
  fixedHeaderBytes: number,
  alignment: number,
  offsetField: string,
): BinaryFormat {
  const magic = new TextEncoder().encode(magicText);
  return { label: `${name} encoding`, magicText, magic, version, fixedHeaderBytes, alignment, offsetField, details: { format: name } };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `n` rounded up to a multiple of `alignment` (a power of two). */
export function alignUp(n: number, alignment: number): number {
  return (n + alignment - 1) & ~(alignment - 1);
}

function detailsOf(format: BinaryFormat, extra: Record<string, unknown> = {}): { details: Record<string, unknown> } {
  return { details: { ...format.details, ...extra } };
}

/** Writes magic, version and the zero reserved field into `out`; returns a view over `out` for the rest. */
export function writeFixedHeader(out: Uint8Array, format: BinaryFormat): DataView {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(format.magic, 0);
  view.setUint16(4, format.version, true);
  view.setUint16(6, 0, true);
  return view;
}

/**
 * Checks what every encoding of `format` starts with (enough bytes for the fixed header, magic, version, zero reserved
 * field) before anything else is read; returns a view over `bytes`. `caller` names the decoder in the type error.
 */
export function openFixedHeader(bytes: Uint8Array, format: BinaryFormat, caller: string): DataView {
  const { label } = format;
  if (!(bytes instanceof Uint8Array)) throw new CodecInconsistentError(`${caller} expects a Uint8Array`, detailsOf(format));
  if (bytes.length < format.fixedHeaderBytes) {
    throw new CodecTruncatedError(
      `${label} too short: ${bytes.length} bytes < ${format.fixedHeaderBytes}-byte header`,
      detailsOf(format, { length: bytes.length }),
    );
  }
  if (!sameBytes(bytes.subarray(0, 4), format.magic)) {
    throw new CodecBadMagicError(`not a Cloister ${label} (magic "${format.magicText}" expected)`, detailsOf(format));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== format.version) {
    throw new CodecUnsupportedVersionError(
      `${label} version ${version} is not supported (expected ${format.version})`,
      detailsOf(format, { version }),
    );
  }
  if (view.getUint16(6, true) !== 0) {
    throw new CodecInconsistentError(`${label}: reserved field is not zero`, detailsOf(format));
  }
  return view;
}

/** Checks the header's declared payload offset (the header length): aligned, past the fixed header, within `bytes`. */
export function checkPayloadOffset(bytes: Uint8Array, offset: number, format: BinaryFormat): void {
  const { label, fixedHeaderBytes, alignment, offsetField } = format;
  if (offset < fixedHeaderBytes || offset % alignment !== 0) {
    throw new CodecInconsistentError(
      `${label}: header length ${offset} is not a multiple of ${alignment} ≥ ${fixedHeaderBytes}`,
      detailsOf(format, { [offsetField]: offset }),
    );
  }
  if (offset > bytes.length) {
    throw new CodecTruncatedError(
      `${label}: header declares ${offset} bytes, only ${bytes.length} present`,
      detailsOf(format, { [offsetField]: offset, length: bytes.length }),
    );
  }
}

/** Checks that the header entries, which end at `end`, fill the header exactly up to `offset`, padded with zeros. */
export function checkHeaderEnd(bytes: Uint8Array, end: number, offset: number, format: BinaryFormat): void {
  const { label, offsetField } = format;
  if (alignUp(end, format.alignment) !== offset) {
    throw new CodecInconsistentError(
      `${label}: header entries end at ${end}, but ${offsetField} is ${offset}`,
      detailsOf(format, { end, [offsetField]: offset }),
    );
  }
  for (let k = end; k < offset; k++) {
    if (bytes[k] !== 0) throw new CodecInconsistentError(`${label}: header padding is not zero`, detailsOf(format, { offset: k }));
  }
}
