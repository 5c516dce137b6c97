import { SIMD_KERNELS_WASM_BASE64 } from './wasmSimdBinary';

/** The WebAssembly JS API used here (a Node global that TypeScript declares only in the DOM lib). */
type ModuleEntry = { module?: string; name: string; kind: string };
declare const WebAssembly: {
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): ModuleEntry[];
    exports(module: object): ModuleEntry[];
  };
};

/** Section ids of a wasm binary, in order (magic and version skipped; sizes are unsigned LEB128). */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++]!;
    let size = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[at++]!;
      size |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    ids.push(id);
    at += size;
  }
  return ids;
}

describe('the SIMD kernels module', () => {
  const bytes = new Uint8Array(Buffer.from(SIMD_KERNELS_WASM_BASE64, 'base64'));

  it('imports nothing but the memory it shares with tfjs', () => {
    const module = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(
      ['bias_add', 'col2im', 'conv2d', 'conv_filter_grad', 'max_pool_grad_2x2', 'sum_rows'],
    );
  });

  it('has no data segment, which would overwrite tfjs heap memory when instantiated', () => {
    expect(sectionIds(bytes)).not.toContain(11); // data
    expect(sectionIds(bytes)).not.toContain(12); // data count
  });
});
