import type { sendUnaryData, ServerUnaryCall, UntypedHandleCall } from '@grpc/grpc-js';
import { encodedSize, type Sized } from './proto.js';
import { toServiceError } from './errors.js';

export type Wire = Record<string, unknown>;

/**
 * One unary RPC: takes the decoded request (wire form) and its encoded size,
 * returns the response or throws. gRPC and the JSON gateway both call these.
 */
export type UnaryHandler = (req: Wire, size: number) => Wire | Promise<Wire>;

/** A service's unary handlers by method name. */
export type UnaryHandlers = Record<string, UnaryHandler>;

/** Runs a handler, turning a synchronous throw into a rejected promise. */
export function invoke(handler: UnaryHandler, req: Wire, size: number): Promise<Wire> {
  try {
    return Promise.resolve(handler(req, size));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Adapts a handler to grpc-js's callback form; every error goes through the one error table. */
export function unary(handler: UnaryHandler): UntypedHandleCall {
  return (call: ServerUnaryCall<Sized<Wire>, Wire>, callback: sendUnaryData<Wire>) => {
    invoke(handler, call.request, call.request[encodedSize] ?? 0).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}
