import type { MemoryStep } from './memory.js';
import type { Workload } from './workloads.js';

/** One workload's figures on one server. */
export interface Result {
  /** Operations timed (latencies). */
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server processes' user+system CPU time over the run, per operation. */
  readonly serverCpuMsPerOp: number;
  /** The bench process's own CPU time per operation: what the client costs on the same cores. */
  readonly clientCpuMsPerOp: number;
  readonly notes: string;
}

/**
 * Issue 19's targets, Kite against kube-apiserver + etcd: every workload at least 1.5x
 * the throughput at no more CPU per operation, lists at least 3x; idle RSS at most 0.25x,
 * RSS with 100,000 ConfigMaps at most 0.5x.
 */
export const issueTargets = { throughput: 1.5, listThroughput: 3, cpu: 1, idleRss: 0.25, rss100k: 0.5 } as const;

/** A table row: column name to cell. */
export type Row = Record<string, string | number>;

const ratio = (a: number, b: number): number => +(a / b).toFixed(2);

/** PASS, or MISS with what missed, from the measured ratios (never from anything else). */
function verdict(misses: readonly string[]): string {
  return misses.length === 0 ? 'PASS' : `MISS (${misses.join(', ')})`;
}

/** The workload table: each server's figures, the ratios, and the verdict against the issue's target. */
export function workloadRows(workloads: readonly Workload[], kite: ReadonlyMap<string, Result>, ref: ReadonlyMap<string, Result> | undefined): Row[] {
  return workloads.flatMap((w): Row[] => {
    const k = kite.get(w.name);
    if (k === undefined) return [];
    const e = ref?.get(w.name);
    const row: Row = { workload: w.name, 'kite ops/s': Math.round(k.opsPerSecond) };
    if (e === undefined) return [{ ...row, 'kite p99 ms': +k.p99Ms.toFixed(2), 'kite CPU ms/op': +k.serverCpuMsPerOp.toFixed(3), 'client CPU ms/op': +k.clientCpuMsPerOp.toFixed(3), notes: k.notes }];
    const minOps = w.kind === 'list' ? issueTargets.listThroughput : issueTargets.throughput;
    const opsRatio = ratio(k.opsPerSecond, e.opsPerSecond);
    const cpuRatio = ratio(k.serverCpuMsPerOp, e.serverCpuMsPerOp);
    const misses = [...(k.opsPerSecond / e.opsPerSecond >= minOps ? [] : ['ops']), ...(k.serverCpuMsPerOp / e.serverCpuMsPerOp <= issueTargets.cpu ? [] : ['CPU'])];
    return [
      {
        ...row,
        'ref ops/s': Math.round(e.opsPerSecond),
        'kite/ref ops': opsRatio,
        'kite p99 ms': +k.p99Ms.toFixed(2),
        'ref p99 ms': +e.p99Ms.toFixed(2),
        'kite CPU ms/op': +k.serverCpuMsPerOp.toFixed(3),
        'ref CPU ms/op': +e.serverCpuMsPerOp.toFixed(3),
        'kite/ref CPU': cpuRatio,
        target: `ops >= ${minOps}x, CPU <= ${issueTargets.cpu}x`,
        verdict: verdict(misses),
        'client CPU ms/op (kite, ref)': `${k.clientCpuMsPerOp.toFixed(3)}, ${e.clientCpuMsPerOp.toFixed(3)}`,
        notes: e.notes === k.notes ? k.notes : `kite: ${k.notes}; ref: ${e.notes}`,
      },
    ];
  });
}

/** What TLS, token authentication and RBAC cost Kite: the secured run against the plain one. */
export function plainRows(workloads: readonly Workload[], kite: ReadonlyMap<string, Result>, plain: ReadonlyMap<string, Result>): Row[] {
  return workloads.flatMap((w) => {
    const k = kite.get(w.name);
    const p = plain.get(w.name);
    if (k === undefined || p === undefined) return [];
    return [{ workload: w.name, 'plain ops/s': Math.round(p.opsPerSecond), 'secured ops/s': Math.round(k.opsPerSecond), 'plain CPU ms/op': +p.serverCpuMsPerOp.toFixed(3), 'secured CPU ms/op': +k.serverCpuMsPerOp.toFixed(3), 'secured/plain CPU': ratio(k.serverCpuMsPerOp, p.serverCpuMsPerOp) }];
  });
}

/** The memory table: RSS at each step, the ratio, and the verdict where the issue sets a target (idle, 100,000 ConfigMaps). */
export function memoryRows(kite: readonly MemoryStep[], ref: readonly MemoryStep[] | undefined): Row[] {
  const mib = (b: number): number => +(b / 2 ** 20).toFixed(1);
  return kite.map((k) => {
    const e = ref?.find((s) => s.name === k.name);
    const row: Row = { 'RSS (MiB)': k.name, kite: mib(k.rssBytes) };
    if (e === undefined) return { ...row, notes: k.notes };
    const limit = k.name === 'idle after start' ? issueTargets.idleRss : k.name === '100,000 ConfigMaps' ? issueTargets.rss100k : undefined;
    const r = k.rssBytes / e.rssBytes;
    return {
      ...row,
      'kube-apiserver + etcd': mib(e.rssBytes),
      'kite/ref': ratio(k.rssBytes, e.rssBytes),
      target: limit === undefined ? '-' : `<= ${limit}x`,
      verdict: limit === undefined ? '-' : verdict(r <= limit ? [] : ['RSS']),
      notes: e.notes === k.notes ? k.notes : `kite: ${k.notes}; ref: ${e.notes}`,
    };
  });
}

/** How many rows pass and miss, for the closing line. */
export function tally(rows: readonly Row[]): { pass: number; miss: number } {
  const verdicts = rows.map((r) => String(r.verdict ?? '-'));
  return { pass: verdicts.filter((v) => v === 'PASS').length, miss: verdicts.filter((v) => v.startsWith('MISS')).length };
}

/** A GitHub-flavoured markdown table of rows (the union of their columns). */
export function markdownTable(rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const numeric = columns.map((c) => rows.every((r) => r[c] === undefined || typeof r[c] === 'number'));
  const cell = (v: string | number | undefined): string => (v === undefined ? '' : String(v).replace(/\|/g, '\\|'));
  return [
    `| ${columns.join(' | ')} |`,
    `|${numeric.map((n) => (n ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => cell(r[c])).join(' | ')} |`),
  ].join('\n');
}
