import type { ComponentChildren } from 'preact';

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'neutral';

/** A status word with a colour AND a symbol, so meaning never depends on colour alone. */
export function Badge({ tone, children, title }: { tone: Tone; children: ComponentChildren; title?: string }) {
  // The symbol is drawn by the stylesheet (content with empty alternative text): not read aloud, not in the text.
  return (
    <span class={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as { message?: string; code?: string; shortMessage?: string };
  return (
    <p class="error" role="alert">
      {e.shortMessage ?? e.message ?? String(error)}
      {e.code ? <span class="muted"> ({e.code})</span> : null}
    </p>
  );
}
