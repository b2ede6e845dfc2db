// The guided tour: the seed documents' etcdctl commands answered live by this
// Kite, with kube-apiserver's protobuf form of one object beside Kite's JSON.
import { getJson } from './api.js';
import { fill, h } from './dom.js';

/** 16 bytes a line: offset, hex, and the printable characters. */
function hexDump(hex) {
  const bytes = hex.match(/../g) ?? [];
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const chunk = bytes.slice(i, i + 16);
    const text = chunk.map((b) => { const c = parseInt(b, 16); return c >= 32 && c < 127 ? String.fromCharCode(c) : '.'; }).join('');
    lines.push(`${i.toString(16).padStart(4, '0')}  ${chunk.join(' ').padEnd(47)}  ${text}`);
  }
  return lines.join('\n');
}

function result(step) {
  if (step.isHidden) return h('p', { class: 'note' }, 'You may not see these keys.');
  if (step.id === 'get-json') {
    const { kiteValue, kubeApiserverValue, ...etcdctl } = step.result;
    return h('div', {},
      h('pre', { 'data-testid': 'tour-etcdctl' }, JSON.stringify(etcdctl, null, 2)),
      h('div', { class: 'pair' },
        h('div', {}, h('h4', {}, `Kite stores JSON (${kubeApiserverValue?.jsonBytes ?? 0} bytes)`), h('pre', { 'data-testid': 'tour-json' }, JSON.stringify(kiteValue, null, 2))),
        h('div', {}, h('h4', {}, `kube-apiserver on etcd would store protobuf (${kubeApiserverValue?.bytes ?? 0} bytes)`), h('pre', { 'data-testid': 'tour-protobuf' }, kubeApiserverValue ? hexDump(kubeApiserverValue.hex) : ''), h('p', { class: 'note' }, 'k8s\\0, then runtime.Unknown: field 1 TypeMeta {apiVersion, kind}, field 2 the Namespace message (generated.proto numbering), fields 3 and 4 empty contentEncoding and contentType.'))));
  }
  if (step.id === 'endpoint-status') {
    return h('table', { 'data-testid': 'tour-status' }, h('tr', {}, ['ENDPOINT', 'ID', 'IS LEADER', 'IS LEARNER', 'RAFT TERM', 'RAFT INDEX', 'RAFT APPLIED INDEX', 'ERRORS'].map((t) => h('th', {}, t))),
      step.result.map((r) => h('tr', {}, [r.endpoint, r.id, r.isLeader, r.isLearner, r.raftTerm, r.raftIndex, r.raftAppliedIndex, r.errors].map((v) => h('td', {}, String(v))))));
  }
  return h('pre', { 'data-testid': `tour-${step.id}` }, Array.isArray(step.result) ? step.result.join('\n') : JSON.stringify(step.result, null, 2));
}

export function tourView(root) {
  const body = h('div', { 'data-testid': 'tour' });
  fill(root, h('p', { class: 'hint' }, 'The seed documents study Kubernetes by asking its etcd. Here are their commands, answered by this Kite as it runs.'), h('button', { type: 'button', onclick: () => void load() }, 'refresh'), body);
  async function load() {
    const steps = await getJson('tour');
    fill(body, steps.map((s, i) => h('div', { class: 'step', 'data-testid': `step-${s.id}` }, h('h3', {}, `${i + 1}. ${s.title}`), h('pre', {}, `$ ${s.command}`), h('p', {}, s.explanation), result(s))));
  }
  return { show: () => load().catch((e) => fill(body, h('p', { class: 'compacted' }, e.message))) };
}
