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
