import { runGovernanceCli } from './main';

const sink = () => {
  let text = '';
  return { write: (s: string) => ((text += s), true), text: () => text };
};

it('prints the help of every command (a bigint default once broke `list --help`)', async () => {
  for (const command of ['list', 'vote', 'execute', 'results', 'propose task']) {
    const out = sink();
    const err = sink();
    expect(await runGovernanceCli([...command.split(' '), '--help'], out, err)).toBe(0);
    expect(err.text()).toBe('');
    expect(out.text()).toContain(`Usage: cloister-governance ${command}`);
  }
});
