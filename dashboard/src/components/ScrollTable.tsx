import type { ComponentChildren } from 'preact';

/**
 * A table with a header row of `columns` and `children` as its body rows, in a box that scrolls sideways on narrow
 * screens (focusable, so a keyboard can scroll it too).
 */
export function ScrollTable({ columns, class: className, children }: { columns: string[]; class?: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" tabIndex={0}>
      <table class={className}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
