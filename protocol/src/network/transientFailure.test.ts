import { isTransientFailure, transientCode } from './transientFailure';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('transientCode', () => {
  it('finds network failures in the error, its cause chain and ethers wrappers', () => {
    expect(transientCode(withCode('ECONNRESET', 'read ECONNRESET'))).toBe('ECONNRESET');
    expect(transientCode(new Error('socket hang up'))).toBe('socket hang up');
    expect(transientCode(new TypeError('fetch failed', { cause: withCode('UND_ERR_SOCKET', 'other side closed') }))).toBe('UND_ERR_SOCKET');
    expect(transientCode({ code: 'UNKNOWN_ERROR', error: withCode('ECONNREFUSED') })).toBe('ECONNREFUSED');
    expect(transientCode(withCode('ETIMEDOUT'))).toBe('ETIMEDOUT');
    expect(transientCode(withCode('SERVER_ERROR', 'bad response (502)'))).toBe('SERVER_ERROR');
    expect(isTransientFailure(new Error('wrapped', { cause: withCode('NETWORK_ERROR') }))).toBe(true);
  });

  it('treats answers as definite: reverts, other codes, plain errors', () => {
    expect(transientCode(Object.assign(new Error('execution reverted: socket hang up'), { code: 'CALL_EXCEPTION', data: '0x1234' }))).toBeNull();
    expect(transientCode(withCode('INSUFFICIENT_FUNDS', 'insufficient funds'))).toBeNull();
    expect(transientCode(new Error('simulated crash before commit'))).toBeNull();
    expect(transientCode(null)).toBeNull();
    expect(isTransientFailure(new Error('nonce too low'))).toBe(false);
  });
});
