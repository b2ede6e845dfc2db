/** DNS-1123 name rules with Kubernetes' wording. */

const labelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const subdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Which rule a kind's names follow. */
export type NameRule = 'dns1123Label' | 'dns1123Subdomain';

/** Problems with value as a DNS-1123 label (at most 63 characters); empty when valid. */
export function dns1123LabelErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push('must be no more than 63 characters');
  if (!labelRe.test(value)) {
    out.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return out;
}

/** Problems with value as a DNS-1123 subdomain (at most 253 characters); empty when valid. */
export function dns1123SubdomainErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > 253) out.push('must be no more than 253 characters');
  if (!subdomainRe.test(value)) {
    out.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return out;
}

/** Problems with a name under rule. */
export function nameErrors(rule: NameRule, value: string): string[] {
  return rule === 'dns1123Label' ? dns1123LabelErrors(value) : dns1123SubdomainErrors(value);
}
