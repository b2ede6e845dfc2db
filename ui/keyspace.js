// The keyspace: /registry as a tree (resource -> namespace -> name) with live
// counts, and the selected key: its value, revisions, lease and history, with a
// diff between any two retained versions and where compaction cut it off.
import { getJson } from './api.js';
import { diffLines } from './diff.js';
import { debounce, fill, h } from './dom.js';

export function keyspaceView(root, navigate) {
  const tree = h('div', { class: 'tree', 'data-testid': 'tree' });
  const detail = h('div', { 'data-testid': 'key-detail' }, h('p', { class: 'note' }, 'Select a key.'));
  fill(root, h('div', { class: 'cols' }, tree, detail));
  let selected = { key: '', revision: 0 };
  const open = new Set();
  let lastRevision = -1;

  const pretty = (v) => (v.encoding === 'json' ? JSON.stringify(v.value, null, 2) : String(v.value));

  /** A store's keys (kite store): a tree split on '/', each level's segments sorted. */
  function keyTree(data) {
    const root = { children: new Map(), keys: [] };
    for (const k of data.keys) {
      const parts = k.key.split('/');
      const name = parts.pop();
      let node = root;
      let path = '';
      for (const p of parts) {
        path += `${p}/`;
        if (!node.children.has(p)) node.children.set(p, { path, children: new Map(), keys: [] });
        node = node.children.get(p);
      }
      node.keys.push({ ...k, name: name === '' ? '(empty)' : name });
    }
    const count = (n) => n.keys.length + [...n.children.values()].reduce((c, m) => c + count(m), 0);
    const render = (n) => h('ul', {},
      [...n.children.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([seg, m]) => h('li', {}, h('details', { open: open.has(m.path), ontoggle: (e) => (e.target.open ? open.add(m.path) : open.delete(m.path)) },
        h('summary', { 'data-testid': `dir-${m.path}` }, seg === '' ? '/' : `${seg}/`, h('span', { class: 'count' }, `(${count(m)})`)), render(m)))),
      n.keys.map((k) => h('li', {}, h('span', { class: `key-link${k.key === selected.key ? ' selected' : ''}`, 'data-key': k.key, onclick: () => navigate(k.key, 0) }, k.name))));
    fill(tree, h('p', { class: 'note' }, `${data.keys.length} keys at revision ${data.revision}${data.isTruncated ? ' (the first 10,000)' : ''}`), render(root));
  }

  async function loadTree() {
    const data = await getJson('keyspace');
    lastRevision = data.revision;
    if (data.keys !== undefined) {
      keyTree(data);
      return;
    }
    const total = data.resources.reduce((n, r) => n + r.count, 0);
    fill(
      tree,
      h('p', { class: 'note' }, `/registry: ${total} keys at revision ${data.revision}`),
      h('ul', {}, data.resources.map((r) => {
        const label = r.group === '' ? r.resource : `${r.resource}.${r.group}`;
        const rd = h('details', { open: open.has(r.prefix), ontoggle: (e) => (e.target.open ? open.add(r.prefix) : open.delete(r.prefix)) },
          h('summary', { 'data-testid': `res-${label}` }, label, h('span', { class: 'count', 'data-testid': `count-${label}` }, `(${r.count})`)),
          h('ul', {}, r.namespaces.map((ns) => {
            const keys = h('ul', {}, ns.keys.map((k) => h('li', {}, h('span', { class: `key-link${k.key === selected.key ? ' selected' : ''}`, 'data-key': k.key, onclick: () => navigate(k.key, 0) }, k.name))));
            if (ns.namespace === '') return h('li', {}, keys);
            const id = `${r.prefix}${ns.namespace}/`;
            return h('li', {}, h('details', { open: open.has(id), ontoggle: (e) => (e.target.open ? open.add(id) : open.delete(id)) }, h('summary', {}, ns.namespace, h('span', { class: 'count' }, `(${ns.keys.length})`)), keys));
          })));
        return h('li', {}, rd);
      })),
    );
  }

  async function loadKey() {
    if (selected.key === '') return;
    let k;
    try {
      k = await getJson(`key?key=${encodeURIComponent(selected.key)}&revision=${selected.revision}`);
    } catch (err) {
      fill(detail, h('p', { class: 'compacted' }, `${selected.key}: ${err.message}`));
      return;
    }
    render(k);
  }

  /** An older page of k's history, appended. */
  async function loadOlder(k) {
    const oldest = k.versions[k.versions.length - 1];
    const page = await getJson(`key?key=${encodeURIComponent(k.key)}&revision=${selected.revision}&before=${oldest.modRevision}`);
    render({ ...k, versions: [...k.versions, ...page.versions], isTruncated: page.isTruncated, ...(page.compactedAt === undefined ? {} : { compactedAt: page.compactedAt }) });
  }

  const label = (v) => (v.isDelete ? `mod_revision ${v.modRevision} (deleted)` : `mod_revision ${v.modRevision} (version ${v.version})`);

  function render(k) {
    const cur = k.exists ? k.versions[0] : undefined;
    const a = h('select', { 'data-testid': 'diff-a' }, k.versions.map((v, i) => h('option', { value: i, selected: i === Math.min(1, k.versions.length - 1) }, label(v))));
    const b = h('select', { 'data-testid': 'diff-b' }, k.versions.map((v, i) => h('option', { value: i, selected: i === 0 }, label(v))));
    const out = h('pre', { class: 'diff', 'data-testid': 'diff' });
    const showDiff = () => {
      const va = k.versions[Number(a.value)];
      const vb = k.versions[Number(b.value)];
      fill(out, diffLines(pretty(va), pretty(vb)).map((d) => h('span', { class: d.op === '+' ? 'add' : d.op === '-' ? 'del' : '' }, `${d.op} ${d.line}`)));
    };
    a.addEventListener('change', showDiff);
    b.addEventListener('change', showDiff);
    fill(
      detail,
      h('h2', {}, h('code', { 'data-testid': 'key-name' }, k.key)),
      selected.revision > 0 ? h('p', { class: 'note' }, `as of revision ${selected.revision} `, h('a', { href: '#', onclick: (e) => { e.preventDefault(); navigate(k.key, 0); } }, '(now)')) : null,
      k.isRedacted ? h('p', { class: 'note', 'data-testid': 'redacted' }, 'Secret values are redacted: you may not get secrets in this namespace.') : null,
      cur === undefined
        ? h('p', { class: 'note' }, k.exists ? '' : 'The key does not exist at this revision.')
        : h('table', { class: 'meta', 'data-testid': 'key-meta' },
            h('tr', {}, h('td', {}, 'create_revision'), h('td', { 'data-testid': 'create-revision' }, cur.createRevision)),
            h('tr', {}, h('td', {}, 'mod_revision'), h('td', { 'data-testid': 'mod-revision' }, cur.modRevision)),
            h('tr', {}, h('td', {}, 'version'), h('td', { 'data-testid': 'version' }, cur.version)),
            h('tr', {}, h('td', {}, 'lease'), h('td', {}, cur.lease === '0' ? 'none' : BigInt(cur.lease).toString(16))),
            h('tr', {}, h('td', {}, 'store revision'), h('td', {}, k.revision))),
      cur === undefined ? null : h('pre', { 'data-testid': 'key-value' }, pretty(cur)),
      h('h3', {}, `History: ${k.total ?? k.versions.length} retained revision${(k.total ?? k.versions.length) === 1 ? '' : 's'} across the key's lives${k.isTruncated ? `, newest ${k.versions.length} shown` : ''}`),
      h('ol', { 'data-testid': 'history' }, k.versions.map((v) => v.isDelete
        ? h('li', { class: 'deleted', 'data-testid': 'history-delete' }, h('span', { class: 'rev', onclick: () => navigate(k.key, v.modRevision - 1) }, `mod_revision ${v.modRevision}`), ' deleted (the life before it ends here)')
        : h('li', {}, h('span', { class: 'rev', onclick: () => navigate(k.key, v.modRevision) }, `mod_revision ${v.modRevision}`), ` version ${v.version}, created at ${v.createRevision}`))),
      k.isTruncated ? h('button', { type: 'button', 'data-testid': 'older', onclick: () => void loadOlder(k) }, 'older revisions') : null,
      k.isTruncated ? null
        : k.compactedAt !== undefined ? h('p', { class: 'compacted', 'data-testid': 'compacted' }, `Compaction cut the history off: revision ${k.compactedAt} and older are gone.`)
        : k.versions.length > 0 ? h('p', { class: 'note' }, `The history goes back to the key's first creation (revision ${k.versions[k.versions.length - 1].createRevision}).`) : null,
      k.versions.length > 1 ? h('div', {}, h('h3', {}, 'Diff'), 'from ', a, ' to ', b, out) : null,
    );
    if (k.versions.length > 1) showDiff();
  }

  const refreshKey = debounce(() => void loadKey(), 250);
  const refreshTree = debounce(() => void loadTree().catch((e) => fill(tree, h('p', { class: 'compacted' }, e.message))), 250);
  return {
    show(params) {
      const key = params.get('key') ?? '';
      const revision = Number(params.get('revision') ?? '0');
      if (key !== selected.key || revision !== selected.revision) {
        selected = { key, revision };
        void loadKey();
      }
      refreshTree();
    },
    onHead(revision) {
      if (revision === lastRevision) return;
      refreshTree();
      if (selected.revision === 0) refreshKey();
    },
  };
}
