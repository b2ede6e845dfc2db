/**
 * Static bearer tokens (--token-auth-file), in kube-apiserver's CSV format: one
 * record per line, `token,user,uid` and optionally a fourth field of groups
 * separated by commas (quoted, as CSV needs: `t0k3n,alice,1001,"dev,ops"`).
 */

import type { UserInfo } from './user-info.js';

/** A --token-auth-file that cannot be used; the message says why, as kube-apiserver does. */
export class TokenFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenFileError';
  }
}

/**
 * Splits CSV text into records as Go's encoding/csv reader does by default: fields
 * separated by commas, optionally double-quoted ("" is a quote inside one), quoted
 * fields may span lines, blank lines skipped, \r\n accepted.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let line = 1;
  let i = 0;
  const endField = (): void => {
    record.push(field);
    field = '';
  };
  const endRecord = (): void => {
    endField();
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === '') {
      // A quoted field.
      i++;
      for (;;) {
        if (i >= text.length) throw new TokenFileError(`record on line ${line}: extraneous or missing " in quoted-field`);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
        throw new TokenFileError(`record on line ${line}: extraneous or missing " in quoted-field`);
      }
      // A quoted empty field must still count as a field.
      if (next === ',') {
        record.push(field);
        field = '';
        i++;
        continue;
      }
      continue;
    }
    if (c === ',') {
      endField();
      i++;
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      endRecord();
      line++;
      i += c === '\r' ? 2 : 1;
    } else if (c === '"') {
      throw new TokenFileError(`record on line ${line}: bare " in non-quoted-field`);
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

/**
 * The users of a token file's text, by token. Records with fewer than three fields are
 * an error; a record with an empty token is skipped; a later duplicate token wins.
 */
export function parseTokenFile(text: string, path: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  for (const record of parseCsv(text)) {
    if (record.length < 3) throw new TokenFileError(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    const [token, name, uid, groups] = record as [string, string, string, string | undefined];
    if (token === '') continue;
    tokens.set(token, { name, uid, groups: groups === undefined ? [] : groups.split(','), extra: {} });
  }
  return tokens;
}
