// Every active watch: the API watches clients hold and the store watches the API
// server holds, with their start revision, events delivered and lag.
import { fill, h } from './dom.js';

export function watchersView(root) {
  const table = h('div', { 'data-testid': 'watchers' }, h('p', { class: 'note' }, 'waiting for the first update…'));
  fill(root, h('p', { class: 'hint' }, 'API watches are served from the watch cache, which holds one store watch per resource: a write reaches the store watch once, then every API watch of its resource.'), table);
  return {
    update(data) {
      const row = (w) => h('tr', { 'data-testid': `watch-${w.kind}` }, h('td', {}, w.kind), h('td', {}, h('code', {}, w.target)), h('td', {}, w.selector || '—'), h('td', {}, w.user), h('td', {}, w.startRevision), h('td', {}, w.delivered), h('td', {}, w.lastRevision), h('td', {}, w.lag));
      fill(table, h('p', { class: 'note' }, `head revision ${data.head}; ${data.watchers.length} active watches`),
        h('table', {}, h('tr', {}, ['kind', 'resource / prefix', 'selector', 'held by', 'start revision', 'events delivered', 'last revision', 'lag'].map((t) => h('th', {}, t))), data.watchers.map(row)));
    },
  };
}
