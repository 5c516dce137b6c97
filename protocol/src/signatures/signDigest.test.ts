import fc from 'fast-check';
import { AbstractSigner, SigningKey, Wallet, hexlify, type BaseWallet, type Provider, type TransactionRequest, type TypedDataDomain, type TypedDataField } from 'ethers';
import { signDigest, signPersonalMessage } from './signDigest.js';
import { recoverUpdateSigner, signUpdateDigest, type UpdateDigest } from './updateDigest.js';

// A valid secp256k1 private key: 32 bytes, not zero, below the group order (a random draw almost always is).
const privateKeys = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => k.some((b) => b !== 0) && k[0]! < 0xff);
const digests = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b));

/** A signer that is not a wallet in this process (a browser wallet, a remote signer): it signs through its methods. */
class RemoteSigner extends AbstractSigner {
  readonly calls: string[] = [];
  constructor(private readonly wallet: BaseWallet) {
    super();
  }
  getAddress(): Promise<string> {
    return Promise.resolve(this.wallet.address);
  }
  connect(_provider: Provider | null): RemoteSigner {
    return this;
  }
  signTransaction(tx: TransactionRequest): Promise<string> {
    return this.wallet.signTransaction(tx);
  }
  signMessage(message: string | Uint8Array): Promise<string> {
    this.calls.push('signMessage');
    return this.wallet.signMessage(message);
  }
  signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string> {
    this.calls.push('signTypedData');
    return this.wallet.signTypedData(domain, types, value);
  }
}

describe('signDigest (tiny-secp256k1)', () => {
  it("gives ethers' signature bytes for any key and digest (RFC 6979, low s, v = 27 + recovery id)", () => {
    fc.assert(
      fc.property(privateKeys, digests, (key, digest) => {
        expect(signDigest(key, digest)).toBe(new SigningKey(key).sign(digest).serialized);
      }),
      { numRuns: 50 },
    );
  });

  it("a wallet's update signature and personal message are ethers' own; a remote signer signs through its methods", async () => {
    const wallet = Wallet.createRandom();
    const digest: UpdateDigest = { chainId: 23295n, contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3', taskId: 3n, round: 4n, ciphertextHash: `0x${'cd'.repeat(32)}` };
    const { domain, types, message } = (await import('./updateDigest.js')).updateTypedData(digest);
    expect(await signUpdateDigest(wallet, digest)).toBe(await wallet.signTypedData(domain, types, message));
    expect(await signPersonalMessage(wallet, 'GET /v1/blobs/ab 1700000000000')).toBe(await wallet.signMessage('GET /v1/blobs/ab 1700000000000'));

    const remote = new RemoteSigner(wallet);
    const remoteSignature = await signUpdateDigest(remote, digest);
    expect(recoverUpdateSigner(digest, remoteSignature)).toBe(wallet.address);
    await signPersonalMessage(remote, 'hello');
    expect(remote.calls).toEqual(['signTypedData', 'signMessage']);
  });
});
