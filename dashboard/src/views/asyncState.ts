// The two ways the views do async work: load what the current inputs show, and run a button's action.
import { useEffect } from 'preact/hooks';

/**
 * Runs `load` whenever `inputs` change. `current()` turns false once the inputs changed again or the view is gone, so
 * a slow answer never overwrites a newer one: check it before setting state. Errors go to `onError` while current.
 */
export function useLoad(load: (current: () => boolean) => Promise<void>, onError: (e: unknown) => void, inputs: unknown[]): void {
  useEffect(() => {
    let cancelled = false;
    load(() => !cancelled).catch((e: unknown) => !cancelled && onError(e));
    return () => {
      cancelled = true;
    };
  }, inputs);
}

/**
 * A button's action: `busy(true)` and the last error cleared while it runs, its error shown when it fails. Never
 * rejects, so buttons call it as `void …`: a click has nothing to wait for.
 */
export async function runAction(busy: (on: boolean) => void, setError: (e: unknown) => void, action: () => Promise<void>): Promise<void> {
  busy(true);
  setError(null);
  try {
    await action();
  } catch (e) {
    setError(e);
  } finally {
    busy(false);
  }
}
