/** The watchers the insight page lists, as the user may see them. */
import type { Registry } from '../../registry/generic/resource-store.js';
import type { InsightAccess } from './access.js';
import type { InsightServices } from './insight-services.js';
import { keyOwners } from './key-views.js';

/** The active watches the user may see, with their lag behind the head revision. */
export async function visibleWatchers(s: InsightServices, registry: Registry, access: InsightAccess) {
  const owners = keyOwners(registry);
  const head = s.watchers.headRevision;
  const out = [];
  for (const w of s.watchers.list()) {
    const visible = w.kind === 'api' ? await access.may('list', w.group, w.resource, w.namespace) : await access.maySeeKey(owners.place(w.target));
    if (visible) out.push({ ...w, lag: Math.max(0, head - w.lastRevision) });
  }
  return { head, watchers: out };
}
