import { status as Status, type Client, type ServiceError } from '@grpc/grpc-js';

/** The outcome of a raw unary call: its status, and on success the response bytes. */
export interface RawOutcome {
  readonly code: number;
  readonly details: string;
  readonly bytes?: Buffer;
}

/** One unary call with raw bytes in and out, so that malformed requests can be sent. */
export function rawUnary(client: Client, method: string, body: Buffer): Promise<RawOutcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (err: ServiceError | null, res?: Buffer) => resolve(err ? { code: err.code, details: err.details } : { code: Status.OK, details: '', bytes: res }),
    );
  });
}

/**
 * A bidirectional stream sent one message of raw bytes: the status the server ends it
 * with, or code OK with 'open' if it is still open after waitMs (the message was taken).
 */
export function rawStreamStatus(client: Client, method: string, body: Buffer, waitMs = 2000): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const call = client.makeBidiStreamRequest(method, (b: Buffer) => b, (b: Buffer) => b);
    let settled = false;
    const settle = (o: RawOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const timer = setTimeout(() => {
      settle({ code: Status.OK, details: 'open' });
      call.cancel();
    }, waitMs);
    call.on('data', () => undefined);
    call.on('error', (err: ServiceError) => settle({ code: err.code, details: err.details }));
    call.on('status', (s: { code: number; details: string }) => settle({ code: s.code, details: s.details }));
    call.write(body);
  });
}
