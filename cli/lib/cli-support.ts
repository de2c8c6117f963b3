/**
 * Shared plumbing of the command-line tools: option parsing with range checks, user-facing errors
 * (one clear line, no stack trace) and a progress line with ETA.
 */
import { availableParallelism } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatDuration } from '../../src/data/format';

/** An error whose message is meant for the user as is. Exit code 2 = bad usage/input, 1 = failure. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function parseCliArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n\n${usage}`);
  }
}

export function intOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

export function numberOption(value: string | undefined, name: string, fallback: number, min: number, max: number, exclusiveMin = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const low = exclusiveMin ? n > min : n >= min;
  if (value.trim() === '' || !Number.isFinite(n) || !low || n > max) {
    throw new UserError(`--${name} must be a number ${exclusiveMin ? '>' : '≥'} ${min} and ≤ ${max}, got "${value}"`);
  }
  return n;
}

export function choiceOption<C extends string>(value: string | undefined, name: string, fallback: C, choices: readonly C[]): C {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UserError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as C;
}

export function intListOption(value: string | undefined, name: string, fallback: number[], length: number, min: number, max: number): number[] {
  if (value === undefined) return fallback;
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length !== length || parts.some((n) => !Number.isInteger(n) || n < min || n > max)) {
    throw new UserError(`--${name} must be ${length} comma-separated integers from ${min} to ${max}, got "${value}"`);
  }
  return parts;
}

/**
 * Runs a CLI main function: user errors print one line and exit with their code; anything else is a
 * bug and keeps its stack (set RD_DEBUG=1 to see stacks for user errors too).
 */
export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      const err = e as Error & { exitCode?: number };
      const known = err instanceof UserError || ['ImageReadError', 'DatasetError', 'FashionMnistError', 'TrainingDivergedError'].includes(err?.name);
      if (known && !process.env.RD_DEBUG) {
        process.stderr.write(`\nerror: ${err.message}\n`);
        process.exit(err.exitCode ?? (err.name === 'TrainingDivergedError' ? 1 : 2));
      }
      process.stderr.write(`\nerror: ${err?.stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}

/**
 * The project's duration format (src/data/format.ts, which takes milliseconds) for the CLIs, whose
 * timings are in seconds: converted here, once, so every caller passes seconds.
 */
export function formatSeconds(seconds: number): string {
  return formatDuration(seconds * 1000);
}

/** A one-line progress bar with elapsed time and ETA; redraws in place on a TTY, prints lines otherwise. */
export class ProgressLine {
  private readonly start = performance.now();
  private lastPrint = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {}

  update(done: number, extra = '', force = false): void {
    if (this.quiet) return;
    const now = performance.now();
    const tty = this.stream.isTTY;
    // Non-TTY output (CI logs) gets a line every 10 s at most.
    if (!force && now - this.lastPrint < (tty ? 200 : 10_000) && done < this.total) return;
    this.lastPrint = now;
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : Number.NaN;
    const width = 24;
    const filled = Math.round((width * done) / Math.max(1, this.total));
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const line = `${this.label} ${bar} ${done}/${this.total} ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)} ${extra}`;
    this.stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  done(extra = ''): void {
    this.update(this.total, extra, true);
    if (!this.quiet && this.stream.isTTY) this.stream.write('\n');
  }
}

/** wasm threads: all cores by default (the XNNPACK pool runs convolutions in parallel), at most 8. */
export function threadsOption(value: string | undefined): number {
  return intOption(value, 'threads', Math.min(8, availableParallelism()), 1, 8);
}

export const THREADS_USAGE = `  --threads N       wasm threads (default: all cores, ${Math.min(8, availableParallelism())} here)`;

/** A list of map scales, 1 = stride 4, 2 = stride 8, 3 = stride 16 (e.g. "2,3"), sorted. */
export function scalesOption(value: string | undefined, name: string, fallback: number[]): number[] {
  if (value === undefined) return [...fallback];
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.some((k) => ![1, 2, 3].includes(k)) || new Set(list).size !== list.length) {
    throw new UserError(`--${name} must list distinct scales from 1, 2, 3 (e.g. 2,3), got "${value}"`);
  }
  return list.sort((x, y) => x - y);
}
