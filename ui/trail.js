// The request trail: one row per API request that touched the store (who, verb,
// path, code) and under it the store operations it caused, newest first, live.
import { getJson } from './api.js';
import { fill, h } from './dom.js';

const shown = 300;

function short(agent) {
  return agent.split(/[ /]/)[0] ?? '';
}

function opLine(op, openKey) {
  const rev = (key, r) => h('span', { class: 'rev', 'data-testid': 'rev', 'data-revision': r, onclick: () => openKey(key, r) }, `revision ${r}`);
  const served = op.servedBy ? h('span', { class: 'note' }, ` served by ${op.servedBy}`) : null;
  const err = op.error ? h('span', { class: 'code-bad' }, ` failed: ${op.error}`) : null;
  const ms = op.ms === undefined ? '' : ` ${op.ms.toFixed(1)} ms`;
  switch (op.kind) {
    case 'range': {
      const opts = [op.isPrefix ? 'prefix' : null, op.isCountOnly ? 'count_only' : null, op.limit > 0 ? `limit=${op.limit}` : null, op.revision > 0 ? `revision=${op.revision}` : null, op.after ? `after ${op.after}` : null].filter(Boolean).join(' ');
      return h('li', { 'data-testid': 'op-range' }, `range ${op.key}${opts ? ` [${opts}]` : ''} → ${op.count} ${op.isCountOnly ? 'counted' : op.count === 1 ? 'key' : 'keys'} at revision ${op.atRevision}${ms}`, served, err);
    }
    case 'txn': {
      const then = op.then === 'put' ? `put ${op.key} (${op.valueBytes} bytes${op.lease !== '0' ? `, lease ${BigInt(op.lease).toString(16)}` : ''})` : `delete ${op.key}`;
      // A delete's revision has no value of the key: its link opens the key just before, with the version it deleted.
      const produced = op.then === 'delete' ? h('span', {}, `revision ${op.revision} (`, rev(op.key, op.revision - 1), ' holds the deleted version)') : rev(op.key, op.revision);
      const outcome = op.error ? null : op.isSucceeded ? h('span', {}, ' → succeeded, ', produced) : h('span', { class: 'code-bad' }, ` → compare failed at revision ${op.revision}`);
      const d = op.delivered;
      const watch = op.isSucceeded ? h('div', { class: 'note', 'data-testid': 'delivered' }, `   watch events delivered: ${d.storeWatchers} store watcher${d.storeWatchers === 1 ? '' : 's'}, ${d.apiWatchers} API watcher${d.apiWatchers === 1 ? '' : 's'}`) : null;
      return h('li', { 'data-testid': 'op-txn' }, h('span', { 'data-testid': 'compare' }, `txn if mod_revision(${op.key}) = ${op.expectedModRevision}`), ` then ${then} else range${ms}`, outcome, served, err, watch);
    }
    case 'etcd': {
      // A client's call of a kite store member, in etcdctl's words.
      const d = op.delivered;
      const outcome = op.error ? null
        : op.method === 'Txn' ? (op.isSucceeded ? h('span', {}, ' → succeeded', op.isWrite ? h('span', {}, ', ', rev(op.key, op.revision)) : ` at revision ${op.revision}`) : h('span', { class: 'code-bad' }, ` → compares failed at revision ${op.revision}, else branch ran`))
        : op.isWrite ? h('span', {}, ' → ', op.method === 'DeleteRange' ? `revision ${op.revision}${op.count === undefined ? '' : ` (${op.count} deleted)`}` : rev(op.key, op.revision))
        : h('span', {}, ` → ${op.count ?? 0} key${op.count === 1 ? '' : 's'} at revision ${op.revision}`);
      const watch = op.isWrite && !op.error ? h('div', { class: 'note', 'data-testid': 'delivered' }, `   watch events delivered to ${d.storeWatchers} watcher${d.storeWatchers === 1 ? '' : 's'}`) : null;
      if (op.method !== 'Txn') return h('li', { 'data-testid': 'op-etcd' }, op.success.join('; '), ms, outcome, err, watch);
      return h('li', { 'data-testid': 'op-etcd' },
        h('div', { 'data-testid': 'compare' }, `txn if ${op.compares.length === 0 ? '(no compares)' : op.compares.join(' && ')}`),
        h('div', {}, `  then ${op.success.join('; ') || '(nothing)'}`),
        h('div', {}, `  else ${op.failure.join('; ') || '(nothing)'}${ms}`), outcome, err, watch);
    }
    case 'watch':
      return h('li', { 'data-testid': 'op-watch' }, `watch ${op.key} [prefix, prev_kv, progress_notify] from revision ${op.startRevision}`);
    default:
      return h('li', {}, `${op.detail}${ms}`);
  }
}

export function trailView(root, openKey) {
  const rows = new Map();
  const inputs = Object.fromEntries(['resource', 'namespace', 'user', 'verb'].map((k) => [k, h('input', { placeholder: k, class: k === 'resource' || k === 'namespace' ? 'apiserver-only' : undefined, 'data-testid': `filter-${k}`, oninput: () => render() })]));
  const list = h('div', { 'data-testid': 'trail' });
  const info = h('span', { class: 'note' });
  const showInternal = h('input', { type: 'checkbox', onchange: () => render() });
  fill(root, h('div', { class: 'filters' }, Object.values(inputs), h('label', { class: 'apiserver-only' }, showInternal, " the API server's own work (watch cache, controllers)"), ' ', info), list);

  function matches(e) {
    const f = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value.trim()]));
    if (!showInternal.checked && e.verb === 'internal') return false;
    if (f.resource && !e.resource.includes(f.resource) && !e.ops.some((o) => o.key?.includes(`/${f.resource}/`))) return false;
    if (f.namespace && e.namespace !== f.namespace) return false;
    if (f.user && !e.user.includes(f.user)) return false;
    if (f.verb && e.verb !== f.verb) return false;
    return true;
  }

  function render() {
    const entries = [...rows.values()].filter((e) => e.ops.length > 0 || e.verb !== 'internal').filter(matches).sort((a, b) => b.id - a.id).slice(0, shown);
    info.textContent = `${rows.size} recorded, ${entries.length} shown`;
    fill(list, entries.map((e) => h('div', { class: 'row', 'data-testid': 'trail-row', 'data-verb': e.verb, 'data-resource': e.resource },
      h('div', {},
        h('span', { class: 'who' }, `${new Date(e.at).toLocaleTimeString()} ${e.user}${e.userAgent ? ` (${short(e.userAgent)})` : ''} `),
        h('b', {}, e.verb), ' ', h('code', {}, e.uri || '(no request: the server’s own)'), ' ',
        e.code === undefined ? h('span', { class: 'note' }, e.verb === 'internal' ? '' : 'running')
          : e.code === 0 ? h('span', { class: 'code-ok', 'data-testid': 'code' }, 'OK')
          : h('span', { class: e.code < 400 && e.code >= 100 ? 'code-ok' : 'code-bad', 'data-testid': 'code' }, String(e.code)),
        e.ms === undefined ? '' : h('span', { class: 'note' }, ` ${e.ms} ms`)),
      e.ops.length === 0 ? null : h('ul', { class: 'ops' }, e.ops.map((op) => opLine(op, openKey)), e.dropped > 0 ? h('li', { class: 'note' }, `… ${e.dropped} more`) : null))));
  }

  function add(entries) {
    for (const e of entries) rows.set(e.id, e);
    if (rows.size > 2000) for (const id of [...rows.keys()].sort((a, b) => a - b).slice(0, rows.size - 2000)) rows.delete(id);
    render();
  }

  return {
    async show() {
      const data = await getJson('trail');
      add(data.entries);
    },
    add,
  };
}
