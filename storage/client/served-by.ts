/**
 * Which endpoint answered a store call, known per call: a caller that wants to know
 * (the insight page's trail: "served by") runs the call with a slot, and a client that
 * talks to several endpoints notes in it the one that answered. Calls that overlap each
 * have their own slot (AsyncLocalStorage), so the answer is exact under concurrency;
 * a call run without a slot costs the client one lookup.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Where the answering endpoint is noted ('' until one answers, and for clients of one endpoint). */
export interface ServedBySlot {
  endpoint: string;
}

const slots = new AsyncLocalStorage<ServedBySlot>();

/** Runs call with slot: the endpoint that answers it is noted there. */
export function noteServedByIn<T>(slot: ServedBySlot, call: () => Promise<T>): Promise<T> {
  return slots.run(slot, call);
}

/** Notes endpoint as the one that answered the call running now, if its caller gave a slot. */
export function noteServedBy(endpoint: string): void {
  const slot = slots.getStore();
  if (slot !== undefined) slot.endpoint = endpoint;
}
