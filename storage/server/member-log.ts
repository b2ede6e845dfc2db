// A member's log as etcd writes it with --logger=zap: one JSON object per line with level, ts,
// caller and msg first, then the fields; --log-level drops the lines below it, --log-outputs
// sends them to stderr (etcd's "default"), stdout and/or files opened for appending.

import { closeSync, openSync, writeSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ConfigError } from './member-flags.js';

/** zap's levels, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'dpanic', 'panic', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Writes one line at level from caller (a component name: kite/store, kite/cluster, ...). */
export type MemberLog = (level: LogLevel, caller: string, msg: string, fields?: Record<string, unknown>) => void;

/** A log with its caller fixed (one component's), at the levels the member's parts use. */
export type ComponentLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** One log line: level, ts, caller and msg first, as zap writes them, then the fields. */
export function logLine(level: LogLevel, caller: string, msg: string, fields: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ level, ts: new Date().toISOString(), caller, msg, ...fields })}\n`;
}

/** Every line to stderr: the log before (or without) --log-level and --log-outputs. */
export const stderrLog: MemberLog = (level, caller, msg, fields) => {
  process.stderr.write(logLine(level, caller, msg, fields));
};

/** --log-level, --log-outputs and --logger, checked. */
export interface LogSettings {
  readonly level: LogLevel;
  readonly outputs: readonly string[];
}

export function parseLogSettings(logger: string, level: string, outputs: string): LogSettings {
  if (logger === 'capnslog') throw new ConfigError("--logger=capnslog is not supported: Kite writes etcd's zap JSON lines only (--logger=zap)");
  if (logger !== 'zap') throw new ConfigError(`unknown logger option ${JSON.stringify(logger)}`);
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new ConfigError(`--log-level: unknown level ${JSON.stringify(level)}`);
  const list = outputs.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new ConfigError('--log-outputs: expected at least one output');
  if (list.includes('default') && list.length > 1) throw new ConfigError('multi logoutput for "default" is not supported yet');
  for (const out of list) {
    if (out === 'journal') throw new ConfigError('--log-outputs=journal is not supported: Kite cannot write to the systemd journal itself; log to stderr, which journald collects for a systemd unit');
    if (!['default', 'stderr', 'stdout'].includes(out) && !isAbsolute(out)) {
      throw new ConfigError(`unknown log-output ${JSON.stringify(out)} (supports "default", "stderr", "stdout" or an absolute file path)`);
    }
  }
  return { level: level as LogLevel, outputs: list };
}

/** An open member log and how to close its files. */
export interface OpenLog {
  readonly log: MemberLog;
  close(): void;
}

/** Opens settings' outputs (files are created 0600 and appended to) and returns the log. */
export function openMemberLog(settings: LogSettings): OpenLog {
  const fds: number[] = [];
  const owned: number[] = [];
  for (const out of settings.outputs) {
    if (out === 'default' || out === 'stderr') fds.push(2);
    else if (out === 'stdout') fds.push(1);
    else {
      let fd: number;
      try {
        fd = openSync(out, 'a', 0o600);
      } catch (err) {
        throw new ConfigError(`--log-outputs: cannot open ${out}: ${(err as Error).message}`);
      }
      fds.push(fd);
      owned.push(fd);
    }
  }
  const threshold = LOG_LEVELS.indexOf(settings.level);
  const log: MemberLog = (level, caller, msg, fields) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const line = logLine(level, caller, msg, fields);
    for (const fd of fds) {
      try {
        writeSync(fd, line);
      } catch {
        // A log output that went away (a closed pipe) must not stop the member.
      }
    }
  };
  return { log, close: () => owned.splice(0).forEach((fd) => closeSync(fd)) };
}
