import type { sendUnaryData, ServerUnaryCall, UntypedHandleCall } from '@grpc/grpc-js';
import { encodedSize, type Sized } from './proto.js';
import { toServiceError } from './errors.js';

type Wire = Record<string, unknown>;

/**
 * Adapts a handler that takes the decoded request (and its encoded size) and
 * returns the response, or throws, to grpc-js's callback form. Every error goes
 * through the one error table.
 */
export function unary(handler: (req: Wire, size: number) => Wire | Promise<Wire>): UntypedHandleCall {
  return (call: ServerUnaryCall<Sized<Wire>, Wire>, callback: sendUnaryData<Wire>) => {
    let result: Wire | Promise<Wire>;
    try {
      result = handler(call.request, call.request[encodedSize] ?? 0);
    } catch (err) {
      callback(toServiceError(err));
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
    } else {
      callback(null, result);
    }
  };
}
