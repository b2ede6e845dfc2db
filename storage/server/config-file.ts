// etcd's --config-file: a YAML document whose keys are the flag names, with the TLS flags of
// each side grouped under client-transport-security and peer-transport-security. As in etcd,
// a config file replaces the command line and the ETCD_* variables. Unlike etcd (which skips
// keys it does not know), an unknown key stops the start, so no setting is silently ignored.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { allFlagSpecs, ConfigError } from './member-flags.js';

/** The keys of a *-transport-security section, and the flag each one sets. */
const SECURITY_KEYS: Record<'client-transport-security' | 'peer-transport-security', Record<string, string>> = {
  'client-transport-security': {
    'cert-file': 'cert-file',
    'key-file': 'key-file',
    'client-cert-auth': 'client-cert-auth',
    'trusted-ca-file': 'trusted-ca-file',
    'auto-tls': 'auto-tls',
    'crl-file': 'client-crl-file',
    'allowed-hostname': 'client-cert-allowed-hostname',
  },
  'peer-transport-security': {
    'cert-file': 'peer-cert-file',
    'key-file': 'peer-key-file',
    'client-cert-auth': 'peer-client-cert-auth',
    'trusted-ca-file': 'peer-trusted-ca-file',
    'auto-tls': 'peer-auto-tls',
    'crl-file': 'peer-crl-file',
    'allowed-cn': 'peer-cert-allowed-cn',
    'allowed-hostname': 'peer-cert-allowed-hostname',
  },
};

/** A YAML value as a flag value: lists comma-joined, as on the command line. */
function flagValue(key: string, v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => flagValue(key, x)).join(',');
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '';
  throw new ConfigError(`config file: ${key}: expected a string, number, boolean or list`);
}

/** Reads an etcd config file into flag values by flag name. */
export function readConfigFile(path: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${path}: expected a mapping of flag names to values`);
  const specs = allFlagSpecs();
  const values: Record<string, string> = {};
  for (const [key, v] of Object.entries(doc as Record<string, unknown>)) {
    if (key === 'client-transport-security' || key === 'peer-transport-security') {
      if (v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`config file ${path}: ${key}: expected a mapping`);
      for (const [sub, sv] of Object.entries(v as Record<string, unknown>)) {
        const flag = SECURITY_KEYS[key][sub];
        if (flag === undefined) throw new ConfigError(`config file ${path}: unknown key ${key}.${sub}`);
        values[flag] = flagValue(`${key}.${sub}`, sv);
      }
    } else if (key in specs && key !== 'config-file') {
      values[key] = flagValue(key, v);
    } else {
      throw new ConfigError(`config file ${path}: unknown key ${JSON.stringify(key)}`);
    }
  }
  return values;
}
