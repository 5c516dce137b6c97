import * as api from './index.js';

it('exports the documented API (review changes to this snapshot)', () => {
  const names = Object.keys(api).sort();
  expect(names).toMatchSnapshot();
  for (const name of [
    'encodeTensors',
    'decodeTensors',
    'encodeUpdate',
    'decodeUpdate',
    'sha256Hex',
    'buildEnvelopeInfo',
    'deriveRecipientKeyPair',
    'generateRecipientKeyPair',
    'sealUpdate',
    'sealUpdateToBytes',
    'openUpdate',
    'openUpdateToBytes',
    'signUpdateDigest',
    'recoverUpdateSigner',
    'TaskSpecSchema',
    'AggregationJobSchema',
    'RoundEventSchema',
    'ErrorResponseSchema',
    'EXCLUSION_REASON',
    'ROUND_STATE',
    'QUEUE',
    'JOB',
    'validate',
    'CloisterError',
    'createHpkeSuite',
  ]) {
    expect(names).toContain(name);
  }
});
