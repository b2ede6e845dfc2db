/** Measured latencies of one run, with the wall time it took. */
export interface Run {
  /** One latency (ms) per operation. */
  readonly latencies: number[];
  /** Wall time of the whole run. */
  readonly seconds: number;
  /** What the table's notes column says about it. */
  readonly notes?: string;
  /** What CPU time is divided by, when not the number of latencies (watch fan-out: updates, not events). */
  readonly opsCount?: number;
}

/** Runs `clients` loops that each take job indices from a shared counter until `total`. */
export async function runClients(clients: number, total: number, job: (i: number) => Promise<void>): Promise<Run> {
  let next = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now();
        await job(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - start) / 1000 };
}

/** The p-th percentile of sorted values (nearest rank); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Rejects after ms with what timed out, unless work settles first; keeps the run bounded. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done in ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise that resolves after ms. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
