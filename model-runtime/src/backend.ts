// Backend selection: native TensorFlow (tfjs-node) when it loads, otherwise WebAssembly with the missing convolution
// gradient kernels registered (see wasmKernels.ts). The chosen backend is logged.
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError } from './errors';
import { silentLogger, type Logger } from './logger';
import { registerWasmGradientKernels } from './wasmKernels';

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** tfjs backend name: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  name: string;
  /** Whether the wasm binary with SIMD was loaded (wasm only). */
  simd?: boolean;
  /** Why a preferred backend was not used, if one was skipped. */
  fallbackReason?: string;
}

export interface InitBackendOptions {
  /** 'auto' (default, or CLOISTER_TF_BACKEND): tfjs-node if it loads, else wasm. */
  prefer?: BackendPreference;
  logger?: Logger;
}

function loadTfjsNode(): void {
  // tfjs-node is an optionalDependency: absent where its native binary cannot install.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-node');
}

async function useWasm(): Promise<boolean> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-wasm');
  registerWasmGradientKernels();
  const ok = await tf.setBackend('wasm');
  await tf.ready();
  return ok && tf.getBackend() === 'wasm';
}

/**
 * Selects and initialises the tfjs backend. Call once before making tensors. Returns the backend in use.
 * Throws BackendUnavailableError when the preferred backend (other than 'auto') cannot start.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const logger = options.logger ?? silentLogger();
  const envPreference = process.env.CLOISTER_TF_BACKEND as BackendPreference | undefined;
  const prefer = options.prefer ?? envPreference ?? 'auto';
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(prefer)) {
    throw new BackendUnavailableError(
      `Unknown tfjs backend "${prefer}": use auto, tensorflow, wasm or cpu (CLOISTER_TF_BACKEND).`,
      { details: { prefer } },
    );
  }
  let fallbackReason: string | undefined;

  if (prefer === 'auto' || prefer === 'tensorflow') {
    try {
      loadTfjsNode();
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        const info: BackendInfo = { name: 'tensorflow' };
        logger.info({ backend: info.name }, 'backend: using native TensorFlow (tfjs-node)');
        return info;
      }
      fallbackReason = 'tfjs-node loaded but the tensorflow backend did not initialise';
    } catch (error) {
      fallbackReason = `tfjs-node is not available (${(error as Error).message.split('\n')[0]})`;
    }
    if (prefer === 'tensorflow') {
      throw new BackendUnavailableError(`The tensorflow backend was requested but ${fallbackReason}.`, { details: { prefer } });
    }
  }

  if (prefer === 'auto' || prefer === 'wasm') {
    try {
      if (await useWasm()) {
        const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
        const info: BackendInfo = { name: 'wasm', simd, fallbackReason };
        logger.info({ backend: info.name, simd, fallbackReason }, 'backend: using WebAssembly (tfjs-backend-wasm)');
        return info;
      }
      fallbackReason = 'the wasm backend did not initialise';
    } catch (error) {
      fallbackReason = `the wasm backend failed: ${(error as Error).message}`;
    }
    throw new BackendUnavailableError(`No usable tfjs backend: ${fallbackReason}.`, { details: { prefer }, cause: fallbackReason });
  }

  await tf.setBackend('cpu');
  await tf.ready();
  logger.warn({ backend: 'cpu' }, 'backend: using the plain-JS cpu backend (slow; for tests and comparisons only)');
  return { name: 'cpu' };
}
