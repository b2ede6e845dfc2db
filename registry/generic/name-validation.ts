/** Which rule a kind's object names follow, with Kubernetes' wording. */
import { isDns1035Label, isDns1123Label, isDns1123Subdomain } from '../validation/names.js';

/** Which rule a kind's names follow (path segment names allow anything but '/', '%', '.' and '..'). */
export type NameRule = 'dns1123Label' | 'dns1123Subdomain' | 'dns1035Label' | 'pathSegment';

/** Problems with value as a DNS-1123 label (at most 63 characters); empty when valid. */
export const dns1123LabelErrors = isDns1123Label;

/** Problems with value as a DNS-1123 subdomain (at most 253 characters); empty when valid. */
export const dns1123SubdomainErrors = isDns1123Subdomain;

function pathSegmentErrors(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  for (const bad of ['/', '%']) if (value.includes(bad)) return [`may not contain '${bad}'`];
  return [];
}

/** Problems with a name under rule. */
export function nameErrors(rule: NameRule, value: string, prefix = false): string[] {
  // A generateName prefix may end in a dash (the random suffix follows it).
  if (prefix && rule !== 'pathSegment' && value.length > 1 && value.endsWith('-')) value = `${value.slice(0, -1)}a`;
  switch (rule) {
    case 'dns1123Label':
      return isDns1123Label(value);
    case 'dns1035Label':
      return isDns1035Label(value);
    case 'pathSegment':
      return pathSegmentErrors(value);
    case 'dns1123Subdomain':
      return isDns1123Subdomain(value);
  }
}
