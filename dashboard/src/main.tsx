// The dashboard shell: connects to the coordinator that served it, reads the chain it names, listens to round
// events over socket.io and re-reads what changed. Views are switched in place (no page loads).
import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { readTasks, type Task } from './chain/reads';
import { Badge, ErrorNote } from './components/Status';
import { shortAddress } from './format';
import { LiveUpdates, type LiveStatus, type RoundEvent } from './live/socket';
import { connect, type Connection } from './network';
import { GovernanceView } from './views/Governance';
import { HospitalView } from './views/Hospital';
import { OperatorView } from './views/Operator';
import { TasksView } from './views/Tasks';
import { connectWallet, hasInjectedWallet, type Wallet } from './wallet/wallet';
import './styles.css';

const VIEWS = [
  { id: 'tasks', label: 'Tasks and rounds' },
  { id: 'governance', label: 'Governance' },
  { id: 'hospital', label: 'Hospital' },
  { id: 'operator', label: 'Operator' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

function viewFromHash(): ViewId {
  const id = location.hash.replace(/^#\/?/, '');
  return (VIEWS.find((v) => v.id === id)?.id ?? 'tasks') as ViewId;
}

function App() {
  const [c, setC] = useState<Connection | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [view, setView] = useState<ViewId>(viewFromHash());
  const [tasks, setTasks] = useState<Task[]>([]);
  const [versions, setVersions] = useState<Map<string, number>>(new Map());
  const [version, setVersion] = useState(0);
  const [live, setLive] = useState<LiveStatus>('connecting');
  const [wallet, setWallet] = useState<Wallet | null>(null);
  const [walletError, setWalletError] = useState<unknown>(null);
  const [now, setNow] = useState(Math.floor(Date.now() / 1000));
  // The coordinator's `task:status` events (e.g. stalled: its reopen budget is spent and an operator must act).
  const [taskStatus, setTaskStatus] = useState<Map<string, RoundEvent>>(new Map());
  const liveRef = useRef<LiveUpdates | null>(null);

  useEffect(() => {
    connect().then(setC, setError);
    const onHash = () => setView(viewFromHash());
    window.addEventListener('hashchange', onHash);
    const clock = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1000);
    return () => {
      window.removeEventListener('hashchange', onHash);
      clearInterval(clock);
    };
  }, []);

  const refresh = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    if (!c) return;
    const updates = new LiveUpdates(
      (event) => {
        if (event.event === 'task:status' && event.status) setTaskStatus((m) => new Map(m).set(String(event.taskId), event));
        else if (event.event === 'round:opened' || event.event === 'round:accepted') {
          setTaskStatus((m) => {
            if (!m.has(String(event.taskId))) return m;
            const next = new Map(m);
            next.delete(String(event.taskId));
            return next;
          });
        }
        setVersions((m) => new Map(m).set(String(event.taskId), (m.get(String(event.taskId)) ?? 0) + 1));
        refresh();
      },
      setLive,
    );
    liveRef.current = updates;
    // New tasks and proposals are not round events: a slow re-read finds them (rounds themselves are pushed).
    const slow = setInterval(refresh, 15_000);
    return () => {
      clearInterval(slow);
      updates.close();
    };
  }, [c, refresh]);

  useEffect(() => {
    if (!c) return;
    let cancelled = false;
    readTasks(c).then(
      (list) => {
        if (cancelled) return;
        setTasks(list);
        // The next task id too, so the first round of a task created meanwhile is pushed like the others.
        liveRef.current?.subscribe([...list.map((t) => t.taskId.toString()), String(list.length + 1)]);
      },
      (e: unknown) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [c, version]);

  // Click handlers call this as `void onConnectWallet()`: it catches its own errors and shows them, and a click has
  // nothing to wait for.
  async function onConnectWallet() {
    if (!c) return;
    setWalletError(null);
    try {
      setWallet(await connectWallet(c));
    } catch (e) {
      setWalletError(e);
    }
  }

  useEffect(() => {
    const injected = window.ethereum;
    if (!injected?.on) return;
    const onAccounts = () => setWallet(null);
    injected.on('accountsChanged', onAccounts);
    return () => injected.removeListener?.('accountsChanged', onAccounts);
  }, []);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <h1>Cloister</h1>
          <span class="muted">federated learning dashboard</span>
        </div>
        <div class="top-status">
          {c && (
            <span class="muted">
              chain {c.network.chainId} · {c.network.token.symbol}
            </span>
          )}
          <span aria-live="polite" data-live={live}>{live === 'live' ? <Badge tone="ok">live</Badge> : live === 'connecting' ? <Badge tone="neutral">connecting</Badge> : <Badge tone="warn">offline, retrying</Badge>}</span>
          {wallet ? (
            <Badge tone="info">wallet {shortAddress(wallet.address)}</Badge>
          ) : (
            <button type="button" onClick={() => void onConnectWallet()} disabled={!c} title={hasInjectedWallet() ? undefined : 'No EIP-1193 wallet in this browser'}>
              Connect wallet
            </button>
          )}
        </div>
        <nav aria-label="Views">
          <ul>
            {VIEWS.map((v) => (
              <li key={v.id}>
                <a href={`#/${v.id}`} aria-current={view === v.id ? 'page' : undefined}>
                  {v.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorNote error={walletError} />
        {error ? (
          <ErrorNote error={error} />
        ) : !c ? (
          <p class="muted">Connecting to the coordinator…</p>
        ) : view === 'tasks' ? (
          <TasksView c={c} tasks={tasks} versions={versions} now={now} wallet={wallet} taskStatus={taskStatus} />
        ) : view === 'governance' ? (
          <GovernanceView c={c} wallet={wallet} version={version} now={now} onChanged={refresh} />
        ) : view === 'hospital' ? (
          <HospitalView c={c} wallet={wallet} tasks={tasks} version={version} onConnect={() => void onConnectWallet()} />
        ) : (
          <OperatorView version={version} taskStatus={taskStatus} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
