// Every command's help has an example; bad input to any command gets one coded line on stderr and a documented
// non-zero exit code, never a stack trace. The commands run as child processes (the built CLI).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../src/program';
import { CLI_ERROR_CODES } from '../src/errors';

jest.setTimeout(120_000);

const CLI = resolve(__dirname, '..', 'dist', 'main.js');
const DATA = process.env.CLOISTER_DATA_DIR ?? resolve(__dirname, '..', '..', '..', 'shared', 'data');
const work = mkdtempSync(join(tmpdir(), 'cloister-cli-commands-'));
const env = { ...process.env, CLOISTER_NETWORK_DIR: join(work, 'no-network'), CLOISTER_LOG_LEVEL: 'warn' };

function cloister(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env }, (error, stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

function expectOneCodedLine(stderr: string, code: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error \\[${code}\\]: .+`));
  expect(stderr).not.toMatch(/\n\s+at /);
}

const site = (columns: string[]) => ({
  format: 'csv',
  path: join(DATA, 'heart-disease', 'processed.cleveland.data'),
  header: false,
  columns,
  dropColumns: ['slope', 'ca', 'thal'],
  missing: '?',
  dropMissing: true,
  label: { column: 'num', map: 'num > 0' },
  split: { seed: 0, trainFraction: 0.66 },
});
const COLUMNS = ['age', 'sex', 'cp', 'trestbps', 'chol', 'fbs', 'restecg', 'thalach', 'exang', 'oldpeak', 'slope', 'ca', 'thal', 'num'];

afterAll(() => rmSync(work, { recursive: true, force: true }));

it('every command and command group shows an example in its help', () => {
  const missing: string[] = [];
  const walk = (command: Command, path: string) => {
    let text = '';
    command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
    command.outputHelp();
    if (!/Example:\n\s+\$ cloister /.test(text)) missing.push(path);
    for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`);
  };
  walk(buildProgram({}), 'cloister');
  expect(missing).toEqual([]);
});

describe('bad input: one coded line, a documented exit code, no stack trace', () => {
  const task = join(work, 'task');
  const good = join(work, 'site.json');
  beforeAll(async () => {
    writeFileSync(good, JSON.stringify(site(COLUMNS)));
    const created = await cloister('new', task, '--template', 'tabular-logistic', '--dataset', good, '--participants', '2');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
  });

  it('a task folder that does not exist', async () => {
    const r = await cloister('task', 'check', join(work, 'absent'));
    expect(r.code).toBe(3);
    expectOneCodedLine(r.stderr, CLI_ERROR_CODES.fileMissing);
  });

  it("a site whose columns do not match the task's schema", async () => {
    const renamed = join(work, 'renamed.json');
    writeFileSync(renamed, JSON.stringify(site(COLUMNS.map((c) => (c === 'chol' ? 'cholesterol' : c)))));
    const ok = await cloister('task', 'check', task, '--dataset', good);
    expect(ok.code).toBe(0);
    const r = await cloister('task', 'check', task, '--dataset', renamed);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(renamed);
    expect(r.stderr).toContain('chol');
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^error \[CLOISTER_ERR_CLI_TASK_INVALID\]: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown strategy parameter, named with its file and field', async () => {
    const bad = join(work, 'bad-task');
    await cloister('new', bad, '--template', 'tabular-logistic', '--dataset', good);
    const file = join(bad, 'task.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    json.aggregation.params = { serverMomentum: 0.9 };
    writeFileSync(file, JSON.stringify(json));
    const r = await cloister('task', 'check', bad);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file} /aggregation/params/serverMomentum`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('no network running', async () => {
    for (const args of [['gov', 'list'], ['task', 'results', '1'], ['model', 'get', '1']]) {
      const r = await cloister(...args);
      expect(r.code).toBe(4);
      expectOneCodedLine(r.stderr, 'CLOISTER_ERR_CONTRACTS_CONNECTION_NOT_FOUND');
    }
    const status = await cloister('network', 'status');
    expect(status.code).toBe(4);
    expectOneCodedLine(status.stderr, 'CLOISTER_ERR_INFRA_NETWORK_NOT_RUNNING');
  });

  it('a missing flag, an unknown command, a bad number', async () => {
    const missing = await cloister('node', 'run', '--task', '1');
    expect(missing.code).toBe(2);
    expectOneCodedLine(missing.stderr, CLI_ERROR_CODES.usage);
    expect(missing.stderr).toContain('cloister node run --help');
    const unknown = await cloister('bogus');
    expect(unknown.code).toBe(2);
    expectOneCodedLine(unknown.stderr, CLI_ERROR_CODES.usage);
    const notNumber = await cloister('task', 'results', 'one');
    expect(notNumber.code).toBe(2);
    expectOneCodedLine(notNumber.stderr, CLI_ERROR_CODES.usage);
  });

  it('a missing key file', async () => {
    const r = await cloister('stats', 'propose', task, '--key', join(work, 'nokey.key'));
    expect(r.code).toBeGreaterThan(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('the error codes are listed in the README with the exit codes', () => {
    const readme = readFileSync(resolve(__dirname, '..', 'README.md'), 'utf8');
    for (const code of Object.values(CLI_ERROR_CODES)) expect(readme).toContain(`\`${code}\``);
    for (const exit of ['| 2 |', '| 3 |', '| 4 |', '| 5 |', '| 6 |']) expect(readme).toContain(exit);
  });
});
