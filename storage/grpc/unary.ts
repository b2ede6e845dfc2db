import { NO_CREDENTIALS, type CallCredentials } from '../auth/auth-info.js';

export type Wire = Record<string, unknown>;

/**
 * One unary RPC: takes the decoded request (wire form), its encoded size and what the
 * transport knows of the caller, returns the response or throws. gRPC and the JSON
 * gateway both call these.
 */
export type UnaryHandler = (req: Wire, size: number, creds: CallCredentials) => Wire | Promise<Wire>;

/** A service's unary handlers by method name. */
export type UnaryHandlers = Record<string, UnaryHandler>;

/** Runs a handler, turning a synchronous throw into a rejected promise. */
export function invoke(handler: UnaryHandler, req: Wire, size: number, creds: CallCredentials = NO_CREDENTIALS): Promise<Wire> {
  try {
    return Promise.resolve(handler(req, size, creds));
  } catch (err) {
    return Promise.reject(err);
  }
}
