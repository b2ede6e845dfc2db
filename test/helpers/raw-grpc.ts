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
