// The store's members: role, term, commit and applied index, and the leader
// changes seen since the page opened (as long as the server has watched).
import { fill, h } from './dom.js';

export function clusterView(root) {
  const body = h('div', { 'data-testid': 'cluster' }, h('p', { class: 'note' }, 'asking the members…'));
  fill(root, body);
  return {
    update(s) {
      fill(body,
        h('p', { class: 'hint' }, s.mode === 'embedded' ? 'The embedded store: one member in the API server’s process.' : 'A separate store (--etcd-servers): each endpoint asked with Maintenance.Status. The trail says which member served each request.'),
        h('table', {}, h('tr', {}, ['member', 'id', 'endpoint', 'role', 'term', 'commit index', 'applied index', 'revision', 'errors'].map((t) => h('th', {}, t))),
          s.members.map((m) => h('tr', { 'data-testid': 'member', 'data-endpoint': m.endpoint, 'data-role': m.role },
            h('td', {}, m.name), h('td', {}, m.id), h('td', {}, m.endpoint), h('td', { class: `role-${m.role}`, 'data-testid': 'role' }, m.role), h('td', {}, m.term), h('td', {}, m.commitIndex), h('td', {}, m.appliedIndex), h('td', {}, m.revision), h('td', {}, m.errors.join('; '))))),
        h('h3', {}, 'Leader changes'),
        h('ol', { 'data-testid': 'leader-changes' }, s.leaderChanges.map((c) => h('li', {}, `${new Date(c.at).toLocaleTimeString()}: term ${c.term}, leader ${c.leader === '0' ? 'none' : `${c.leaderName || c.leader} (${c.leader})`}`))));
    },
  };
}
