import { NO_CREDENTIALS, type CallCredentials } from '../auth/auth-info.js';

export type Wire = Record<string, unknown>;

/**
 * One unary RPC: takes the decoded request, its encoded size and what the transport
 * knows of the caller, returns the response (wire form) or throws. gRPC and the JSON
 * gateway both call these. Req is what the method's request decoder gives (see proto.ts):
 * a typed request for KV and Lease, proto-loader's wire form for the other services.
 */
export type UnaryHandler<Req = Wire> = (req: Req, size: number, creds: CallCredentials) => Wire | Promise<Wire>;

/** A service's unary handlers by method name. */
export type UnaryHandlers = Record<string, UnaryHandler>;

/**
 * A handler whose request type has been set aside, for the tables that hold every
 * service's methods: it is only ever called with what its method's decoder gave.
 */
export type AnyUnaryHandler = UnaryHandler<never>;

/** Runs a handler on what its method's decoder gave, turning a synchronous throw into a rejected promise. */
export function invoke(handler: AnyUnaryHandler, req: unknown, size: number, creds: CallCredentials = NO_CREDENTIALS): Promise<Wire> {
  try {
    return Promise.resolve(handler(req as never, size, creds));
  } catch (err) {
    return Promise.reject(err);
  }
}
