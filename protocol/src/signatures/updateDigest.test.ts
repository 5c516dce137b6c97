import fc from 'fast-check';
import { TypedDataEncoder, Wallet, hexlify, verifyTypedData } from 'ethers';
import { SignatureInputInvalidError, SignatureInvalidError } from '../errors.js';
import {
  hashUpdateDigest,
  recoverUpdateSigner,
  signUpdateDigest,
  updateTypedData,
  type UpdateDigest,
} from './index.js';

const wallet = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const digest: UpdateDigest = {
  chainId: 31337n,
  contractAddress: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  taskId: 1n,
  round: 2n,
  ciphertextHash: `0x${'ab'.repeat(32)}`,
};

describe('EIP-712 update signatures', () => {
  it('signs and recovers the checksummed signer; ethers verifies the same typed data', async () => {
    const signature = await signUpdateDigest(wallet, digest);
    expect(recoverUpdateSigner(digest, signature)).toBe(wallet.address);
    const { domain, types, message } = updateTypedData(digest);
    expect(domain).toEqual({
      name: 'Cloister',
      version: '1',
      chainId: 31337n,
      verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    });
    expect(TypedDataEncoder.from(types).encodeType('SealedUpdate')).toBe(
      'SealedUpdate(uint256 taskId,uint64 round,bytes32 ciphertextHash)',
    );
    expect(verifyTypedData(domain, types, message, signature)).toBe(wallet.address);
    expect(hashUpdateDigest(digest)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('recovers a different address for any other digest field', async () => {
    const signature = await signUpdateDigest(wallet, digest);
    for (const change of [
      { round: 3n },
      { taskId: 9n },
      { chainId: 1n },
      { ciphertextHash: `0x${'cd'.repeat(32)}` },
      { contractAddress: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512' },
    ]) {
      expect(recoverUpdateSigner({ ...digest, ...change }, signature)).not.toBe(wallet.address);
    }
  });

  it('rejects malformed digests and signatures with typed errors', async () => {
    expect(() => recoverUpdateSigner({ ...digest, ciphertextHash: '0x1234' }, '0x')).toThrow(
      SignatureInputInvalidError,
    );
    expect(() => recoverUpdateSigner({ ...digest, round: 1n << 64n }, '0x')).toThrow(
      SignatureInputInvalidError,
    );
    expect(() => recoverUpdateSigner({ ...digest, contractAddress: 'nope' }, '0x')).toThrow(
      SignatureInputInvalidError,
    );
    await expect(signUpdateDigest(wallet, { ...digest, taskId: -1n })).rejects.toThrow(
      SignatureInputInvalidError,
    );
    expect(() => recoverUpdateSigner(digest, 'zz')).toThrow(SignatureInvalidError);
    expect(() => recoverUpdateSigner(digest, `0x${'00'.repeat(65)}`)).toThrow(SignatureInvalidError);
    expect(() => recoverUpdateSigner(digest, '0x1234')).toThrow(SignatureInvalidError);
  });

  it('hashUpdateDigest equals ethers TypedDataEncoder.hash for any digest, across domains (separator cache)', () => {
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => hexlify(b));
    fc.assert(
      fc.property(
        fc.record({
          chainId: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
          contractAddress: bytes(20),
          taskId: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
          round: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          ciphertextHash: bytes(32),
        }),
        (d) => {
          const { domain, types, message } = updateTypedData(d);
          expect(hashUpdateDigest(d)).toBe(TypedDataEncoder.hash(domain, types, message));
        },
      ),
      { numRuns: 200 },
    );
  });
});
