// Concurrent "is the round's upload set complete?" checks share runs, and each caller's run starts after its call.
import { CoalescedRuns } from './coalescedRuns';

/** A run that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

it('runs once for a lone caller', async () => {
  const runs = new CoalescedRuns<number>();
  let calls = 0;
  expect(await runs.run('k', async () => ++calls)).toBe(1);
  expect(await runs.run('k', async () => ++calls)).toBe(2);
});

it('gives callers that come during a run one shared run that starts after it', async () => {
  const runs = new CoalescedRuns<string>();
  const first = gate();
  const started: string[] = [];
  const a = runs.run('k', async () => {
    started.push('a');
    await first.opened;
    return 'a';
  });
  const later = ['b', 'c', 'd'].map((name) =>
    runs.run('k', async () => {
      started.push(name);
      return name;
    }),
  );
  await Promise.resolve();
  expect(started).toEqual(['a']); // nobody shares a run that began before it called
  first.open();
  expect(await a).toBe('a');
  expect(await Promise.all(later)).toEqual(['b', 'b', 'b']);
  expect(started).toEqual(['a', 'b']);
});

it('keeps keys apart and passes a failed run on to the callers that shared it', async () => {
  const runs = new CoalescedRuns<string>();
  const first = gate();
  const a = runs.run('k', async () => {
    await first.opened;
    return 'a';
  });
  const other = runs.run('other', async () => 'other');
  const b = runs.run('k', async () => {
    throw new Error('failed');
  });
  const c = runs.run('k', async () => 'c');
  expect(await other).toBe('other');
  first.open();
  expect(await a).toBe('a');
  await expect(b).rejects.toThrow('failed');
  await expect(c).rejects.toThrow('failed');
  expect(await runs.run('k', async () => 'fresh')).toBe('fresh');
});
