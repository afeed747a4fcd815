import { type KeyboardEvent, type ReactNode, useRef } from "react";

// A tab list as WAI-ARIA describes it: one tab in the Tab order (the selected one), the arrow
// keys, Home and End move between tabs, and the panel is labelled by its tab.
export function Tabs<T extends string>({ id, tabs, selected, onSelect, children }: {
  id: string;
  tabs: readonly { key: T; label: string }[];
  selected: T;
  onSelect: (key: T) => void;
  children: ReactNode;
}) {
  const list = useRef<HTMLDivElement>(null);
  const index = tabs.findIndex((t) => t.key === selected);
  function move(e: KeyboardEvent) {
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
    if (!(e.key in moves)) return;
    e.preventDefault();
    const next = (moves[e.key] + tabs.length) % tabs.length;
    onSelect(tabs[next].key);
    list.current?.querySelectorAll<HTMLButtonElement>('[role="tab"]')[next]?.focus();
  }
  return (
    <>
      <div role="tablist" className="tabs" ref={list} onKeyDown={move}>
        {tabs.map((t) => (
          <button
            key={t.key}
            id={`${id}-tab-${t.key}`}
            type="button"
            role="tab"
            aria-selected={t.key === selected}
            aria-controls={`${id}-panel`}
            tabIndex={t.key === selected ? 0 : -1}
            onClick={() => onSelect(t.key)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${selected}`} className="panel">
        {children}
      </div>
    </>
  );
}
