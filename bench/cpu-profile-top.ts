/**
 * Summarizes V8 CPU profiles (`node --cpu-prof`'s .cpuprofile files): the functions with the
 * most self time, and self time by where the code lives (a package in node_modules, Node's
 * internals, a directory of Kite's, or V8's own rows such as the garbage collector), each as
 * a share of the busy (non-idle) time. Several files are summed.
 *
 *   node --import tsx bench/cpu-profile-top.ts [--top 30] FILE.cpuprofile...
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** The parts of a .cpuprofile this reads. */
interface CpuProfile {
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number } }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a script lives, short: node_modules/<package>, node:<module>, or its path from the repo's dist/. */
function place(url: string): string {
  if (url === '') return '(V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `node_modules/${pkg[1]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const dist = /\/dist\/(.*)$/.exec(url);
  return dist ? dist[1]! : url.replace(/^file:\/\//, '');
}

/** Where a script lives, coarse: a package, node:internal, or Kite's top directory and the one under it. */
function area(url: string): string {
  const p = place(url);
  if (p.startsWith('node_modules/') || p === '(V8)') return p;
  if (p.startsWith('node:')) return 'node (internals)';
  const parts = p.split('/');
  return parts.length > 2 ? `kite ${parts.slice(0, 2).join('/')}/` : `kite ${parts[0]}`;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
if (positionals.length === 0) {
  console.error('usage: node --import tsx bench/cpu-profile-top.ts [--top 30] FILE.cpuprofile...');
  process.exit(2);
}
const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
let busyUs = 0;
let idleUs = 0;
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)!;
    const us = profile.timeDeltas[i] ?? 0;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      return;
    }
    busyUs += us;
    // No url: native code (a C++ binding such as writev, or V8's own rows such as the garbage collector).
    const name = frame.functionName || '(anonymous)';
    const fn = frame.url === '' ? `${name}  (native)` : `${name}  ${place(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const a = frame.url === '' ? (name.startsWith('(') ? name : `native: ${name}`) : area(frame.url);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
  });
}
const top = Number(values.top);
const rows = (m: Map<string, number>, key: string): Array<Record<string, string | number>> =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => ({ [key]: k, 'self ms': Math.round(us / 1000), 'busy %': +((100 * us) / busyUs).toFixed(1) }));
console.log(`${positionals.length} profile(s): busy ${(busyUs / 1e6).toFixed(1)} s, idle ${(idleUs / 1e6).toFixed(1)} s`);
console.log('\nSelf time by area');
console.table(rows(byArea, 'area'));
console.log('\nSelf time by function');
console.table(rows(byFunction, 'function'));
