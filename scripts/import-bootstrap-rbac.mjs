// Imports the RBAC objects kube-apiserver 1.26 creates at start (its bootstrap policy)
// from the captured reference (../shared/reference/kubernetes-1.26/bootstrap-*.yaml)
// into registry/rbac/bootstrap-policy.json: names, labels, annotations, rules,
// aggregation rules, role references and subjects, without uids, timestamps and
// resourceVersions. Run once when the reference changes:
//   node scripts/import-bootstrap-rbac.mjs ../shared/reference/kubernetes-1.26
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: import-bootstrap-rbac.mjs <reference dir>');
const read = (file) => parse(readFileSync(join(dir, file), 'utf8')).items;
const meta = (m) => ({
  name: m.name,
  ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
  ...(m.labels === undefined ? {} : { labels: m.labels }),
  ...(m.annotations === undefined ? {} : { annotations: m.annotations }),
});
const role = (o) => ({
  metadata: meta(o.metadata),
  ...(o.aggregationRule === undefined ? {} : { aggregationRule: o.aggregationRule }),
  // Aggregated roles are created empty; the aggregation controller fills them.
  rules: o.aggregationRule === undefined ? (o.rules ?? []) : [],
});
const binding = (o) => ({ metadata: meta(o.metadata), roleRef: o.roleRef, ...(o.subjects === undefined ? {} : { subjects: o.subjects }) });
const policy = {
  source: 'kube-apiserver 1.26 at start (bootstrap-*.yaml of the captured reference)',
  clusterRoles: read('bootstrap-clusterroles.yaml').map(role),
  clusterRoleBindings: read('bootstrap-clusterrolebindings.yaml').map(binding),
  roles: read('bootstrap-roles.yaml').map(role),
  roleBindings: read('bootstrap-rolebindings.yaml').map(binding),
};
writeFileSync('registry/rbac/bootstrap-policy.json', `${JSON.stringify(policy, null, 1)}\n`);
console.log(Object.entries(policy).filter(([, v]) => Array.isArray(v)).map(([k, v]) => `${k}: ${v.length}`).join(', '));
