/**
 * A controller's queue of keys to reconcile: each key is queued once however
 * often it is added, one key is worked on at a time, and a failed key is
 * tried again after a delay. idle() resolves when nothing is queued or
 * waiting, for tests.
 */

/** Where controllers report what they retry (default: stderr). */
export type ControllerLog = (message: string) => void;

export const stderrLog =
  (name: string): ControllerLog =>
  (m) =>
    process.stderr.write(`${name}: ${m}\n`);

export class WorkQueue {
  private readonly work: (key: string) => Promise<void>;
  private readonly log: ControllerLog;
  private readonly retryMs: number;
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly retrying = new Map<string, NodeJS.Timeout>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(work: (key: string) => Promise<void>, options: { log: ControllerLog; retryMs: number }) {
    this.work = work;
    this.log = options.log;
    this.retryMs = options.retryMs;
  }

  add(key: string): void {
    if (this.stopped || this.queued.has(key)) return;
    const pending = this.retrying.get(key);
    if (pending !== undefined) {
      clearTimeout(pending);
      this.retrying.delete(key);
    }
    this.queued.add(key);
    this.order.push(key);
    this.running ??= this.drain();
  }

  /** Adds key after ms (a deliberate wait, not a failure). */
  addAfter(key: string, ms: number): void {
    if (this.stopped || this.queued.has(key) || this.retrying.has(key)) return;
    const t = setTimeout(() => {
      this.retrying.delete(key);
      this.add(key);
    }, ms);
    t.unref();
    this.retrying.set(key, t);
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.order.length > 0) {
      const key = this.order.shift()!;
      this.queued.delete(key);
      try {
        await this.work(key);
      } catch (e) {
        if (this.stopped) break;
        this.log(`${key}: ${e instanceof Error ? e.message : String(e)}; retrying`);
        this.addAfter(key, this.retryMs);
      }
    }
    this.running = undefined;
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.running !== undefined || this.order.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when nothing is queued or being worked on (waiting retries do not count). */
  idle(): Promise<void> {
    if (this.running === undefined && this.order.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Whether a retry or a deliberate wait is pending. */
  hasWaiting(): boolean {
    return this.retrying.size > 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retrying.values()) clearTimeout(t);
    this.retrying.clear();
    this.order.length = 0;
    this.queued.clear();
    await this.running;
    this.notifyIdle();
  }
}
