import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHpkeSuite } from './index.js';

// RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode.
type Vector = {
  info: string;
  skEm: string;
  pkEm: string;
  skRm: string;
  pkRm: string;
  enc: string;
  encryptions: { seq: number; aad: string; pt: string; ct: string }[];
  exports: { exporter_context: string; L: number; exported_value: string }[];
};
const vector: Vector = JSON.parse(
  readFileSync(
    path.join(__dirname, '..', '..', '..', '..', 'shared', 'vectors', 'rfc9180-a1-1-base.json'),
    'utf8',
  ),
);
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: ArrayBuffer) => Buffer.from(b).toString('hex');

describe('RFC 9180 A.1.1 through createHpkeSuite', () => {
  const suite = createHpkeSuite('aes-128-gcm');

  it('derives the published key pairs from the published private keys', async () => {
    const recipient = await suite.kem.importKey('raw', hex(vector.skRm).buffer, false);
    const pkR = await suite.kem.serializePublicKey(await suite.kem.deserializePublicKey(hex(vector.pkRm)));
    expect(toHex(pkR)).toBe(vector.pkRm);
    expect(recipient.type).toBe('private');
  });

  it('seals and opens the published ciphertexts (seq 0, 1, 2, 255) and exports the published value', async () => {
    const ekm = {
      privateKey: await suite.kem.importKey('raw', hex(vector.skEm).buffer, false),
      publicKey: await suite.kem.importKey('raw', hex(vector.pkEm).buffer, true),
    };
    const sender = await suite.createSenderContext({
      recipientPublicKey: await suite.kem.deserializePublicKey(hex(vector.pkRm)),
      info: hex(vector.info),
      ekm,
    });
    expect(toHex(sender.enc)).toBe(vector.enc);
    const recipient = await suite.createRecipientContext({
      recipientKey: await suite.kem.importKey('raw', hex(vector.skRm).buffer, false),
      enc: sender.enc,
      info: hex(vector.info),
    });
    const bySeq = new Map(vector.encryptions.map((e) => [e.seq, e]));
    const last = Math.max(...bySeq.keys());
    let checked = 0;
    // The sequence number is implicit: every message in between is sealed and opened to advance both contexts.
    for (let seq = 0; seq <= last; seq++) {
      const e = bySeq.get(seq);
      const pt = hex(e?.pt ?? '00');
      const aad = hex(e?.aad ?? '');
      const ct = await sender.seal(pt, aad);
      if (e) {
        expect(toHex(ct)).toBe(e.ct);
        expect(toHex(await recipient.open(hex(e.ct), aad))).toBe(e.pt);
        checked++;
      } else {
        await recipient.open(ct, aad);
      }
    }
    expect(checked).toBe(vector.encryptions.length);
    for (const x of vector.exports) {
      expect(toHex(await sender.export(hex(x.exporter_context), x.L))).toBe(x.exported_value);
      expect(toHex(await recipient.export(hex(x.exporter_context), x.L))).toBe(x.exported_value);
    }
  });
});
