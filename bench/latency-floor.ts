// What a put at one client cannot go below on this machine: one write made durable on the
// disk that holds the data, and one round trip over loopback. The KV benchmark prints both
// beside the one-client p50s (issue 17's target: within 0.15 ms of their sum).

import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Median milliseconds of writing `bytes` bytes into a zero-filled file in dir and
 * fdatasync-ing it (the file's blocks exist already, as in a preallocated WAL segment).
 */
export function fdatasyncMs(dir: string, samples = 500, bytes = 360): number {
  const path = join(dir, 'latency-floor.bin');
  const fd = openSync(path, 'w');
  try {
    const zeros = Buffer.alloc(1 << 20);
    for (let i = 0; i < 4; i++) writeSync(fd, zeros, 0, zeros.length, i << 20);
    fdatasyncSync(fd);
    const record = Buffer.alloc(bytes, 1);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = process.hrtime.bigint();
      writeSync(fd, record, 0, record.length, (i * bytes) % (4 << 20));
      fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return median(times);
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

/** Median milliseconds of a one-byte round trip over a loopback TCP connection (Nagle off). */
export async function loopbackRoundTripMs(samples = 2000): Promise<number> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (d) => socket.write(d));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.setNoDelay(true);
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = process.hrtime.bigint();
      await new Promise<void>((resolve) => {
        socket.once('data', () => resolve());
        socket.write('x');
      });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return median(times);
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
