/**
 * @kubernetes/client-node 2.x depends on undici 8, which requires Node >= 22.19;
 * on Node 20 (our engine) it fails at import on two missing functions:
 * - `zlib.createZstdDecompress`: Kite never sends zstd bodies, so the stand-in
 *   refuses loudly if a zstd response ever arrives;
 * - `worker_threads.markAsUncloneable` (it only stops structuredClone of
 *   undici's own objects): the stand-in does nothing;
 * - `Promise.withResolvers` (ES2024): the standard polyfill.
 * Import this before '@kubernetes/client-node'. On Node 22.19+ it changes nothing.
 */
import workerThreads from 'node:worker_threads';
import zlib from 'node:zlib';

type ZlibWithZstd = typeof zlib & { createZstdDecompress?: (...args: unknown[]) => never };

const z = zlib as ZlibWithZstd;
if (typeof z.createZstdDecompress !== 'function') {
  z.createZstdDecompress = (): never => {
    throw new Error(`zstd decompression is not available on Node ${process.versions.node} (undici 8 needs Node >= 22.19)`);
  };
}

type WorkerThreadsWithMark = typeof workerThreads & { markAsUncloneable?: (value: object) => void };

const wt = workerThreads as WorkerThreadsWithMark;
if (typeof wt.markAsUncloneable !== 'function') wt.markAsUncloneable = (): void => undefined;

type PromiseWithResolversCtor = PromiseConstructor & {
  withResolvers?: <T>() => { promise: Promise<T>; resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void };
};

const P = Promise as PromiseWithResolversCtor;
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
