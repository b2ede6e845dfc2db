import type { Json } from './case.js';

/**
 * Compares two normalized step views and says, one line per difference, where
 * they differ: `body.details.causes[1]: reference {...}, kite <absent>`.
 * An empty result means they match.
 */

const maxShown = 600;

function show(v: Json | undefined): string {
  if (v === undefined) return '<absent>';
  const s = JSON.stringify(v);
  return s.length > maxShown ? `${s.slice(0, maxShown)}...(${s.length} chars)` : s;
}

function isRecord(v: Json | undefined): v is { readonly [key: string]: Json } {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

function walk(path: string, ref: Json | undefined, kite: Json | undefined, out: string[]): void {
  if (Array.isArray(ref) && Array.isArray(kite)) {
    const n = Math.max(ref.length, kite.length);
    if (ref.length !== kite.length) out.push(`${path}: reference has ${ref.length} entries, kite ${kite.length}`);
    for (let i = 0; i < n; i++) walk(`${path}[${i}]`, ref[i] as Json | undefined, kite[i] as Json | undefined, out);
    return;
  }
  if (isRecord(ref) && isRecord(kite)) {
    if (ref.shape !== kite.shape) {
      // A Status where an object was expected (or the reverse): one line, not one per field.
      out.push(`${path}: reference ${show(ref)}, kite ${show(kite)}`);
      return;
    }
    const keys = [...new Set([...Object.keys(ref), ...Object.keys(kite)])];
    for (const k of keys) walk(path === '' ? k : `${path}.${k}`, ref[k], kite[k], out);
    return;
  }
  if (JSON.stringify(ref) !== JSON.stringify(kite)) out.push(`${path}: reference ${show(ref)}, kite ${show(kite)}`);
}

/** The differences between the reference's view and Kite's, one line each; empty when they match. */
export function compareViews(reference: Json, kite: Json): string[] {
  const out: string[] = [];
  walk('', reference, kite, out);
  return out;
}
