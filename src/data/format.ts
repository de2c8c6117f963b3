/** Human-readable figures shared by the page and the command-line tools (pure TS). */

/** A duration in milliseconds: "12 s", "3 min 05 s", "1 h 02 min"; "—" for unknown or negative. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
