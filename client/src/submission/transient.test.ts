import { ChainUnavailableError } from '../errors';
import { chainStep } from './transient';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('chainStep', () => {
  it('retries a transient failure and returns the later result', async () => {
    let calls = 0;
    const value = await chainStep('read', async () => {
      if (++calls < 3) throw withCode('ECONNRESET');
      return 42;
    }, { retry: { baseDelayMs: 1 } });
    expect([value, calls]).toEqual([42, 3]);
  });

  it('passes a definite error through at once', async () => {
    let calls = 0;
    const definite = withCode('CALL_EXCEPTION', 'reverted');
    await expect(chainStep('commit', async () => {
      calls++;
      throw definite;
    }, { retry: { baseDelayMs: 1 } })).rejects.toBe(definite);
    expect(calls).toBe(1);
  });

  it('gives up after the bound with ChainUnavailableError naming the step', async () => {
    let calls = 0;
    const err = await chainStep('commit', async () => {
      calls++;
      throw withCode('ECONNREFUSED');
    }, { retry: { attempts: 4, baseDelayMs: 1 }, rpcUrl: 'http://rpc' }).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(err).toBeInstanceOf(ChainUnavailableError);
    expect(err).toMatchObject({ code: 'CLOISTER_ERR_CLIENT_CHAIN_UNAVAILABLE', details: { step: 'commit', attempts: 4, code: 'ECONNREFUSED' } });
    expect((err as Error).message).toMatch(/http:\/\/rpc.*commit.*ECONNREFUSED.*4 attempts/);
  });
});
