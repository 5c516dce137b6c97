import fc from 'fast-check';
import { Signature, SigningKey, Wallet, getBytes, hexlify, recoverAddress, verifyMessage } from 'ethers';
import { SignatureInvalidError } from '../errors.js';
import { recoverMessageSigner, recoverSigner } from './index.js';

// secp256k1 group order: private keys are 1..n-1; a signature's s above n/2 is the malleable twin.
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const privateKey = fc.bigInt({ min: 1n, max: N - 1n }).map((k) => `0x${k.toString(16).padStart(64, '0')}`);
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b));

describe('recoverSigner (tiny-secp256k1)', () => {
  it('recovers the signing address, the same as ethers, for random keys and digests', () => {
    fc.assert(
      fc.property(privateKey, digest, (key, hash) => {
        const signature = new SigningKey(key).sign(hash);
        const expected = new Wallet(key).address;
        expect(recoverSigner(hash, signature)).toBe(expected);
        expect(recoverSigner(hash, signature.serialized)).toBe(recoverAddress(hash, signature));
      }),
      { numRuns: 60 },
    );
  });

  it('a changed digest or a flipped recovery bit recovers another address', () => {
    const wallet = Wallet.createRandom();
    const hash = hexlify(new Uint8Array(32).fill(7));
    const signature = wallet.signingKey.sign(hash);
    const other = hexlify(new Uint8Array(32).fill(8));
    expect(recoverSigner(other, signature)).not.toBe(wallet.address);
    const flipped = Signature.from({
      r: signature.r,
      s: signature.s,
      yParity: signature.yParity === 0 ? 1 : 0,
    });
    expect(recoverSigner(hash, flipped)).not.toBe(wallet.address);
  });

  it('refuses malformed signatures and digests with SignatureInvalidError', () => {
    const wallet = Wallet.createRandom();
    const hash = hexlify(new Uint8Array(32).fill(1));
    const good = wallet.signingKey.sign(hash).serialized;
    const bytes = getBytes(good);
    const highS = new Uint8Array(bytes);
    const s = BigInt(hexlify(bytes.subarray(32, 64)));
    highS.set(getBytes(`0x${(N - s).toString(16).padStart(64, '0')}`), 32);
    const zeroR = new Uint8Array(bytes);
    zeroR.fill(0, 0, 32);
    for (const bad of ['0x', '0x1234', hexlify(highS), hexlify(zeroR), 'not hex']) {
      expect(() => recoverSigner(hash, bad)).toThrow(SignatureInvalidError);
    }
    // 64 bytes is EIP-2098's compact form (yParity in the top bit of s), which ethers accepts too: same answer.
    const compact = good.slice(0, -2);
    expect(recoverSigner(hash, compact)).toBe(recoverAddress(hash, compact));
    expect(() => recoverSigner('0x1234', good)).toThrow(SignatureInvalidError);
    expect(() => recoverSigner('zz', good)).toThrow(SignatureInvalidError);
  });

  it('recoverMessageSigner agrees with ethers verifyMessage (EIP-191 personal_sign)', async () => {
    const wallet = Wallet.createRandom();
    for (const message of ['GET /v1/tasks/1/rounds/2/updates/0xabc\n1700000000000', '', 'ünïcode ✓']) {
      const signature = await wallet.signMessage(message);
      expect(recoverMessageSigner(message, signature)).toBe(wallet.address);
      expect(recoverMessageSigner(message, signature)).toBe(verifyMessage(message, signature));
    }
    const signature = await wallet.signMessage('a');
    expect(recoverMessageSigner('b', signature)).not.toBe(wallet.address);
  });
});
