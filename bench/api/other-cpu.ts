import { readFileSync } from 'node:fs';

/** CPU time (ms) the whole machine has been busy, all cores (Linux /proc/stat: everything but idle and iowait). */
function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** This process's CPU time so far (ms). */
const ownMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Measures the CPU time spent by neither the servers under test nor the bench itself over an
 * interval: other work on a shared machine, which skews a run. serverMs() reads the servers' CPU time.
 */
export function otherCpu(serverMs: () => number): () => number {
  const machine = machineBusyMs();
  const own = ownMs();
  const servers = serverMs();
  return () => Math.max(0, machineBusyMs() - machine - (ownMs() - own) - (serverMs() - servers));
}
