import { ReadCache } from './readCache';

describe('ReadCache', () => {
  it('shares concurrent loads, expires, and forgets failures and unkept values', async () => {
    const cache = new ReadCache();
    let calls = 0;
    const load = async () => ++calls;
    const [a, b] = await Promise.all([cache.get('k', 50, load), cache.get('k', 50, load)]);
    expect([a, b, calls]).toEqual([1, 1, 1]);
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.get('k', 50, load)).toBe(2);
    await expect(cache.get('e', 1000, async () => Promise.reject(new Error('rpc down')))).rejects.toThrow('rpc down');
    expect(await cache.get('e', 1000, async () => 'ok')).toBe('ok');
    expect(await cache.get('f', 1000, async () => false, (v) => v)).toBe(false);
    expect(await cache.get('f', 1000, async () => true, (v) => v)).toBe(true);
  });
});
