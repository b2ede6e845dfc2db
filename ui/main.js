// The insight page: tabs routed by the URL's hash, one event stream feeding them.
import { followEvents, getJson, setBasic, setToken, token } from './api.js';
import { clusterView } from './cluster.js';
import { keyspaceView } from './keyspace.js';
import { tourView } from './tour.js';
import { trailView } from './trail.js';
import { watchersView } from './watchers.js';

const $ = (id) => document.getElementById(id);
const navigateKey = (key, revision) => { location.hash = `#/keys?key=${encodeURIComponent(key)}&revision=${revision}`; };
const views = {
  keys: keyspaceView($('view-keys'), navigateKey),
  trail: trailView($('view-trail'), navigateKey),
  watchers: watchersView($('view-watchers')),
  cluster: clusterView($('view-cluster')),
  tour: tourView($('view-tour')),
};

function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const tab = views[path] ? path : 'trail';
  for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('active', a.dataset.tab === tab);
  for (const [name] of Object.entries(views)) $(`view-${name}`).classList.toggle('active', name === tab);
  void views[tab].show?.(new URLSearchParams(query ?? ''))?.catch?.((e) => console.warn(e));
}

$('token').value = /^Basic /.test(token()) ? '' : token();
$('save-token').addEventListener('click', () => { setToken($('token').value.trim()); location.reload(); });
$('save-basic').addEventListener('click', () => { setBasic($('etcd-user').value.trim(), $('etcd-password').value); location.reload(); });

// A `kite store` member serves the store-only part: say so, and ask for etcd credentials.
const showMode = (mode) => {
  document.body.dataset.mode = mode;
  if (mode !== 'store') return;
  document.title = 'Kite insight: a store member, live';
  document.querySelector('h1').textContent = 'Kite insight (kite store)';
  $('etcd-auth').hidden = false;
  $('auth-hint').textContent = 'A bearer token here is an etcd token (etcdctl auth, or Auth.Authenticate).';
};
getJson('info').then((i) => showMode(i.mode), (err) => {
  // Refused (etcd auth on, no credentials): the member's words, and the sign-in form.
  $('status').textContent = err.message;
  $('auth').open = true;
  $('etcd-auth').hidden = false;
});
window.addEventListener('hashchange', route);
route();

followEvents(
  (name, data) => {
    if (name === 'trail') views.trail.add(data);
    else if (name === 'head' || name === 'hello') {
      const revision = data.revision ?? data.head;
      $('head').textContent = `head revision ${revision}`;
      views.keys.onHead(revision);
    } else if (name === 'watchers') views.watchers.update(data);
    else if (name === 'cluster') views.cluster.update(data);
  },
  (state) => {
    $('status').textContent = state === 'live' ? 'live' : 'reconnecting…';
    $('status').className = state === 'live' ? 'live' : 'down';
  },
);
