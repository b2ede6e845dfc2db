import type { Json } from './case.js';
import type { GeneratedName, StepResult } from './runner.js';

/**
 * Turns what a step got from one server into the view that is compared with the
 * other server's: the status code, the headers that matter, and the body with
 * what legitimately differs between two servers blanked. Anything not blanked
 * must match. The rules, each with why the value may differ:
 *
 * Objects (the body, list items, watch event objects, Table row objects): `objectRules` below, each with its reason.
 * Status: reason, code, status, message, details (name, group, kind, whether a uid is there, retryAfterSeconds)
 *   and causes (reason, field, message) are compared; an absent string reads as '' and empty details as none,
 *   since Go omits empty fields. Messages and names pass through normalizeMessage (uids, Go pointers,
 *   generated-name suffixes, the token volume suffix, a quoted object's resourceVersion and times); a Status
 *   about a Service also has its IPs and NodePorts blanked, since they are allocated at random.
 * Lists: apiVersion, kind, items, and whether resourceVersion, continue and remainingItemCount are present
 *   (their values are the server's revisions and opaque tokens).
 * Tables: column names, types and priorities (descriptions are documentation), every cell except durations up
 *   to now (Age, Last Seen, ...), a Service's ClusterIP and NodePorts, and uids in cells; row objects as objects.
 * Discovery documents: resources and groups keyed by name; the server's own address blanked.
 * Headers: Content-Type without a charset=utf-8 parameter (JSON is UTF-8 by definition) and the Warning texts.
 */

/**
 * Whether managedFields are compared (with their times blanked) or removed from
 * every object; compared since server-side apply keeps them on every write.
 */
export const compareManagedFields = true;

type Obj = Record<string, unknown>;

/** One normalization rule for objects (the body, list items, watch objects, Table rows). */
export interface ObjectRule {
  readonly name: string;
  /** One line: why the blanked value may legitimately differ. */
  readonly reason: string;
  /** Changes obj in place (obj is a private deep copy); kind is obj.kind, or its list's item kind for list items. */
  readonly apply: (obj: Obj, kind: string | undefined) => void;
}

const uuidExact = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const uuidAnywhere = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ipAddress = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]+)$/;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Replaces every string leaf for which test holds with blank, anywhere under value. */
function blankStrings(value: unknown, test: (s: string) => boolean, blank: string): unknown {
  if (typeof value === 'string') return test(value) ? blank : value;
  if (Array.isArray(value)) return value.map((v) => blankStrings(v, test, blank));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blankStrings(v, test, blank)]));
  return value;
}

function meta(obj: Obj): Obj | undefined {
  return isObj(obj.metadata) ? obj.metadata : undefined;
}

function blankIfPresent(o: Obj | undefined, key: string, blank: string): void {
  if (o && o[key] !== undefined && o[key] !== null) o[key] = blank;
}

/** The rules for objects, applied in order. */
export const objectRules: readonly ObjectRule[] = [
  {
    name: 'uids',
    reason: 'uids are random per server, and copies of them (ownerReferences, Job selectors and labels, preconditions) with them',
    apply: (obj) => {
      for (const [k, v] of Object.entries(blankStrings(obj, (s) => uuidExact.test(s), '<uid>') as Obj)) obj[k] = v;
    },
  },
  {
    name: 'nulls',
    reason: 'Go writes an unset time as null (creationTimestamp of a template, eventTime, condition times) where other servers omit it; clients read both alike',
    apply: (obj) => {
      const drop = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(drop);
        if (!isObj(v)) return v;
        return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, drop(x)]));
      };
      for (const [k, v] of Object.entries(drop(obj) as Obj)) obj[k] = v;
      for (const k of Object.keys(obj)) if (obj[k] === null) delete obj[k];
    },
  },
  {
    name: 'resourceVersion',
    reason: "resourceVersions are the store's revisions, which count every write on that server",
    apply: (obj) => blankIfPresent(meta(obj), 'resourceVersion', '<resourceVersion>'),
  },
  {
    name: 'timestamps',
    reason: 'creation and deletion times are the server clock at the time of the request',
    apply: (obj) => {
      blankIfPresent(meta(obj), 'creationTimestamp', '<time>');
      blankIfPresent(meta(obj), 'deletionTimestamp', '<time>');
    },
  },
  {
    name: 'managedFields',
    reason:
      "a managedFields entry's time is the server clock when its manager last changed something, and entries are ordered by it (within an operation), so the order of entries that differ only in time is the clock's too (compareManagedFields false removes them all)",
    apply: (obj) => {
      const m = meta(obj);
      if (!m || m.managedFields === undefined) return;
      if (!compareManagedFields) delete m.managedFields;
      else if (Array.isArray(m.managedFields)) {
        const str = (e: unknown, k: string): string => (isObj(e) && typeof e[k] === 'string' ? (e[k] as string) : '');
        const key = (e: unknown): string => JSON.stringify([str(e, 'operation'), str(e, 'manager'), str(e, 'apiVersion'), str(e, 'subresource')]);
        m.managedFields = m.managedFields
          .map((e: unknown) => (isObj(e) && e.time !== undefined ? { ...e, time: '<time>' } : e))
          .sort((a: unknown, b: unknown) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      }
    },
  },
  {
    name: 'generatedName',
    reason: 'a name made from generateName ends in a random suffix',
    apply: (obj) => {
      const m = meta(obj);
      const prefix = m?.generateName;
      if (!m || typeof prefix !== 'string' || prefix === '' || typeof m.name !== 'string' || !m.name.startsWith(prefix)) return;
      // Copies of the name (a Namespace's kubernetes.io/metadata.name label) change with it.
      const name = m.name;
      for (const [k, v] of Object.entries(blankStrings(obj, (s) => s === name, `${prefix}<suffix>`) as Obj)) obj[k] = v;
    },
  },
  {
    name: 'serviceAccountVolume',
    reason: "the projected service-account token volume kube-apiserver's admission adds to Pods is named with a random suffix",
    apply: (obj) => {
      for (const [k, v] of Object.entries(blankStrings(obj, (s) => /^kube-api-access-[a-z0-9]{5}$/.test(s), 'kube-api-access-<suffix>') as Obj)) obj[k] = v;
    },
  },
  {
    name: 'openshiftServiceCa',
    reason: "the reference is built with OpenShift's carry patches (see shared/bin/README.md), whose ServiceAccount admission adds an openshift-service-ca.crt source to the token volume; upstream 1.26 does not",
    apply: (obj) => {
      const dropFrom = (volumes: unknown): unknown =>
        Array.isArray(volumes)
          ? volumes.map((v: unknown) =>
              isObj(v) && isObj(v.projected) && Array.isArray(v.projected.sources)
                ? { ...v, projected: { ...v.projected, sources: v.projected.sources.filter((src: unknown) => !(isObj(src) && isObj(src.configMap) && src.configMap.name === 'openshift-service-ca.crt')) } }
                : v,
            )
          : volumes;
      if (isObj(obj.spec) && obj.spec.volumes !== undefined) obj.spec = { ...obj.spec, volumes: dropFrom(obj.spec.volumes) };
    },
  },
  {
    name: 'statusTimes',
    reason: 'times the server writes into status (conditions, startTime, ...) are its clock at that moment',
    apply: (obj) => {
      if (obj.status !== undefined) obj.status = blankStrings(obj.status, (s) => rfc3339.test(s), '<time>');
    },
  },
  {
    name: 'kubernetesService',
    reason: "the kubernetes Service in default points at the API server's own port, which is free-port chosen per server",
    apply: (obj, kind) => {
      const m = meta(obj);
      if (kind !== 'Service' || m?.name !== 'kubernetes' || m.namespace !== 'default' || !isObj(obj.spec) || !Array.isArray(obj.spec.ports)) return;
      obj.spec.ports = obj.spec.ports.map((p: unknown) => (isObj(p) && p.targetPort !== undefined ? { ...p, targetPort: '<apiserver port>' } : p));
    },
  },
  {
    name: 'issuedToken',
    reason: 'a TokenRequest answer carries a freshly signed token',
    apply: (obj) => {
      if (obj.kind === 'TokenRequest' && isObj(obj.status) && typeof obj.status.token === 'string') obj.status.token = '<token>';
    },
  },
  {
    name: 'serviceAddresses',
    reason: 'ClusterIPs and NodePorts are allocated at random from their ranges; that one was allocated still shows',
    apply: (obj, kind) => {
      if (kind !== 'Service' || !isObj(obj.spec)) return;
      const spec = obj.spec;
      if (typeof spec.clusterIP === 'string' && ipAddress.test(spec.clusterIP)) spec.clusterIP = '<ip>';
      if (Array.isArray(spec.clusterIPs)) spec.clusterIPs = spec.clusterIPs.map((ip: unknown) => (typeof ip === 'string' && ipAddress.test(ip) ? '<ip>' : ip));
      if (Array.isArray(spec.ports)) spec.ports = spec.ports.map((p: unknown) => (isObj(p) && typeof p.nodePort === 'number' ? { ...p, nodePort: '<nodePort>' } : p));
      if (typeof spec.healthCheckNodePort === 'number') spec.healthCheckNodePort = '<nodePort>';
    },
  },
];

/** A deep copy with every object rule applied; itemKind names the kind of a list's items, which carry none. */
export function normalizeObject(value: unknown, itemKind?: string): Json {
  if (!isObj(value)) return (value ?? null) as Json;
  const obj = structuredClone(value);
  const kind = typeof obj.kind === 'string' ? obj.kind : itemKind;
  for (const rule of objectRules) rule.apply(obj, kind);
  return obj as Json;
}

/**
 * Blanks what varies inside Status messages and names: uids; Go pointer addresses
 * (kube-apiserver prints some invalid values with %#v); the suffix of the service
 * account token volume's name; resourceVersions and times of a quoted object; and
 * the random suffix of a name made from generateName by this request or an earlier one.
 */
/** value with every object's keys sorted, recursively. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortKeys(o[k])]),
  );
}

/**
 * A message may quote a whole object (a strict JSON or merge patch's 422 quotes the
 * patched object). Go writes the nested keys of such an object in its struct's field
 * order, Kite in the order they were written, which tells a client nothing; a quoted
 * object is normalized as a body's objects are and compared with its keys sorted.
 * What is not JSON is left as it is.
 */
function sortQuotedObjects(message: string): string {
  return message.replace(/Invalid value: "(\{(?:[^"\\]|\\.)*\})"/g, (whole, quoted: string) => {
    try {
      const value = normalizeObject(JSON.parse(JSON.parse(`"${quoted}"`) as string) as unknown);
      return `Invalid value: ${JSON.stringify(JSON.stringify(sortKeys(value)))}`;
    } catch (e) {
      if (e instanceof SyntaxError) return whole;
      throw e;
    }
  });
}

export function normalizeMessage(message: string, generateName?: string, generatedNames: readonly GeneratedName[] = []): string {
  let out = sortQuotedObjects(message)
    .replace(uuidAnywhere, '<uid>')
    .replace(/\(0x[0-9a-f]{6,}\)/g, '(<pointer>)')
    .replace(/kube-api-access-[a-z0-9]{5}\b/g, 'kube-api-access-<suffix>')
    // Messages that quote a stored object (a failed strict patch) quote its resourceVersion and times too.
    .replace(/(resourceVersion\\*"?:\s*\\*"?)\d+/g, '$1<resourceVersion>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>');
  if (generateName) out = out.split(generateName).map((part, i) => (i > 0 ? part.replace(/^[a-z0-9]{5}/, '<suffix>') : part)).join(generateName);
  for (const g of generatedNames) out = out.split(g.name).join(`${g.prefix}<suffix>`);
  return out;
}

/** metadata.generateName of the request body, when it had one. */
function requestGenerateName(r: StepResult): string | undefined {
  if (r.sentBody === undefined) return undefined;
  try {
    const body = JSON.parse(r.sentBody) as unknown;
    const g = isObj(body) && isObj(body.metadata) ? body.metadata.generateName : undefined;
    return typeof g === 'string' && g !== '' ? g : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Status about a Service may quote addresses the server allocated at random
 * (an IP already taken, a NodePort already allocated): IPv4 addresses and numbers
 * in the NodePort range are blanked in its messages.
 */
function blankServiceAddresses(message: string): string {
  return message.replace(/\b\d{1,3}(\.\d{1,3}){3}\b/g, '<ip>').replace(/\b(3[0-1]\d{3}|32[0-6]\d{2}|327[0-5]\d|3276[0-7])\b/g, '<nodePort>');
}

/** Status: the fields compared, absent strings read as '' (Go omits empty strings; clients read both alike). */
function statusView(s: Obj, generateName?: string, generatedNames: readonly GeneratedName[] = []): Json {
  const aboutService = (isObj(s.details) && s.details.kind === 'Service') || (typeof s.message === 'string' && /\bService\b/.test(s.message));
  const msg = (m: string): string => {
    const out = normalizeMessage(m, generateName, generatedNames);
    return aboutService ? blankServiceAddresses(out) : out;
  };
  // An empty details object says no more than none: both read as absent.
  const details = isObj(s.details) && Object.values(s.details).some((v) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)) ? s.details : undefined;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    shape: 'Status',
    status: str(s.status),
    code: typeof s.code === 'number' ? s.code : null,
    reason: str(s.reason),
    message: msg(str(s.message)),
    details: details
      ? {
          name: normalizeMessage(str(details.name), generateName, generatedNames),
          group: str(details.group),
          kind: str(details.kind),
          uid: details.uid === undefined ? '' : '<uid>',
          causes: Array.isArray(details.causes)
            ? details.causes.map((c: unknown) => (isObj(c) ? { reason: str(c.reason), field: str(c.field), message: msg(str(c.message)) } : null))
            : [],
          retryAfterSeconds: typeof details.retryAfterSeconds === 'number' ? details.retryAfterSeconds : null,
        }
      : null,
  };
}

/** A list: its kind and apiVersion, whether paging fields are present, and its items normalized. */
function listView(l: Obj): Json {
  const m = meta(l) ?? {};
  return {
    shape: 'List',
    apiVersion: (l.apiVersion ?? null) as Json,
    kind: (l.kind ?? null) as Json,
    metadata: {
      resourceVersion: m.resourceVersion === undefined ? '<absent>' : '<present>',
      continue: m.continue === undefined || m.continue === '' ? '<absent>' : '<present>',
      remainingItemCount: m.remainingItemCount === undefined || m.remainingItemCount === null ? '<absent>' : '<present>',
    },
    items: Array.isArray(l.items) ? l.items.map((i: unknown) => normalizeObject(i, typeof l.kind === 'string' ? l.kind.replace(/List$/, '') : undefined)) : null,
  };
}

/** Table columns whose cells are durations up to now ("5s", "2y10d"): they follow the clock. */
const timeColumns = new Set(['Age', 'Last Seen', 'First Seen', 'Duration', 'Last Schedule']);

/** A Table cell with what legitimately differs blanked: durations up to now, and a Service's allocated addresses. */
function tableCell(column: string, cell: unknown): Json {
  if (timeColumns.has(column)) return '<duration>';
  if (column === 'Cluster-IP' && typeof cell === 'string' && ipAddress.test(cell)) return '<ip>';
  if (column === 'Port(s)' && typeof cell === 'string') return cell.replace(/:\d+\//g, ':<nodePort>/');
  // uids show in cells too (a Job's Selector column is controller-uid=<its uid>).
  if (typeof cell === 'string') return cell.replace(uuidAnywhere, '<uid>');
  return cell as Json;
}

/** The names of a Table's columns. */
function columnNames(t: Obj): string[] {
  const columns = Array.isArray(t.columnDefinitions) ? t.columnDefinitions.filter(isObj) : [];
  return columns.map((c) => (typeof c.name === 'string' ? c.name : ''));
}

/**
 * A Table: column names, types and priorities, and each row's cells and object. A watch's
 * later Tables come without columns (the first event's define them): `named` gives those.
 */
function tableView(t: Obj, named?: readonly string[]): Json {
  const columns = Array.isArray(t.columnDefinitions) ? t.columnDefinitions.filter(isObj) : [];
  const names = columns.length > 0 || named === undefined ? columnNames(t) : named;
  const rows = Array.isArray(t.rows) ? t.rows.filter(isObj) : [];
  const m = meta(t) ?? {};
  return {
    shape: 'Table',
    apiVersion: (t.apiVersion ?? null) as Json,
    metadata: {
      resourceVersion: m.resourceVersion === undefined ? '<absent>' : '<present>',
      continue: m.continue === undefined || m.continue === '' ? '<absent>' : '<present>',
    },
    columnDefinitions: columns.map((c) => ({ name: (c.name ?? null) as Json, type: (c.type ?? null) as Json, priority: (c.priority ?? 0) as Json })),
    rows: rows.map((r) => ({
      cells: Array.isArray(r.cells) ? r.cells.map((cell: unknown, i: number) => tableCell(names[i] ?? '', cell)) : null,
      object: normalizeObject(r.object),
    })),
  };
}

/**
 * Discovery documents keyed by name rather than position, so a missing resource or
 * group shows as one line, not as every later entry shifted; the server's own
 * address in serverAddressByClientCIDRs is blanked (each server has its own port).
 */
function discoveryView(d: Obj): Json | undefined {
  const byName = (entries: unknown): Json => Object.fromEntries((Array.isArray(entries) ? entries.filter(isObj) : []).map((e) => [String(e.name), e as Json]));
  if (d.kind === 'APIResourceList') return { shape: 'APIResourceList', groupVersion: (d.groupVersion ?? null) as Json, resources: byName(d.resources) };
  if (d.kind === 'APIGroupList') return { shape: 'APIGroupList', groups: byName(d.groups) };
  if (d.kind === 'APIVersions' || d.kind === 'APIGroup') {
    const addresses = Array.isArray(d.serverAddressByClientCIDRs) ? d.serverAddressByClientCIDRs.map((a: unknown) => (isObj(a) ? { ...a, serverAddress: '<server address>' } : a)) : undefined;
    return { shape: String(d.kind), object: { ...d, ...(addresses ? { serverAddressByClientCIDRs: addresses } : {}) } as Json };
  }
  return undefined;
}

/** The view of a parsed body: Status, List, Table, a discovery document or a single object. */
export function bodyView(json: unknown, text: string, generateName?: string, generatedNames: readonly GeneratedName[] = []): Json {
  if (json === undefined) return text === '' ? { shape: 'empty' } : { shape: 'text', text: text.trim() };
  if (!isObj(json)) return { shape: 'json', value: json as Json };
  if (json.kind === 'Status') return statusView(json, generateName, generatedNames);
  const discovery = discoveryView(json);
  if (discovery) return discovery;
  if (json.kind === 'Table') return tableView(json);
  if (Array.isArray(json.items) && typeof json.kind === 'string' && json.kind.endsWith('List')) return listView(json);
  return { shape: 'object', object: normalizeObject(json) };
}

/**
 * Content-Type with spaces dropped and a charset=utf-8 parameter removed: JSON is
 * UTF-8 by definition (RFC 8259), so the parameter changes nothing for a client.
 */
export function normalizeContentType(value: string | undefined): string {
  if (value === undefined) return '<absent>';
  return value
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '' && p.toLowerCase() !== 'charset=utf-8')
    .join(';');
}

/** Warning header values as their texts (`299 - "text"` -> text), in order. */
export function warningTexts(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const all = Array.isArray(value) ? value : [value];
  const texts: string[] = [];
  for (const header of all) {
    for (const m of header.matchAll(/\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g)) texts.push(m[1]!.replace(/\\(.)/g, '$1'));
  }
  return texts;
}

/** The compared view of one step's result. */
export function stepView(r: StepResult): Json {
  const view: Record<string, Json> = {
    code: r.status,
    contentType: r.status === 0 ? '<no response>' : normalizeContentType(r.headers['content-type']),
    warnings: warningTexts(r.headers.warning),
  };
  if (r.status === 0) view.error = 'no response';
  if (r.step.kind !== 'wait' && r.step.acceptEncoding !== undefined) {
    view.contentEncoding = r.headers['content-encoding'] ?? '<absent>';
    view.vary = r.headers.vary ?? '<absent>';
  }
  if (r.step.kind === 'watch' && r.status === 200) {
    let named: string[] | undefined;
    view.events = (r.events ?? []).map((e): Json => {
      if (!isObj(e)) return { unparsable: e as Json };
      const o = e.object;
      if (isObj(o) && o.kind === 'Table' && named === undefined) named = columnNames(o);
      const object: Json = isObj(o) && o.kind === 'Status' ? statusView(o) : isObj(o) && o.kind === 'Table' ? tableView(o, named) : normalizeObject(o);
      return { type: (e.type ?? null) as Json, object };
    });
  } else {
    view.body = bodyView(r.json, r.text, requestGenerateName(r), r.generatedNames);
  }
  return view;
}
