import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer, type ApiServerProcess } from '../../helpers/apiserver.js';
import { referenceAdminToken, referenceAvailable, startKubeReference, type KubeReference } from '../../helpers/kube-reference.js';
import { tempDir } from '../../helpers/processes.js';
import type { DiffCase } from './case.js';
import { allCases } from './cases/all.js';
import { compareViews } from './compare.js';
import { makeTarget, type Target } from './http-client.js';
import { knownDifferences, type KnownDifference } from './known-differences.js';
import { stepView } from './normalize.js';
import { prepareNamespace, runCase, type StepResult } from './runner.js';

/**
 * The differential suite: every case of the corpus is sent to a real
 * kube-apiserver 1.26 on real etcd 3.4 and to `kite apiserver`, each case in a
 * fresh namespace of the same name on both, and every step's status code,
 * Status, headers that matter and normalized body are compared.
 *
 * Environment, for working on Kite:
 * - API_DIFF_FILTER=text runs only the cases whose id contains text;
 * - API_DIFF_DUMP=dir writes each case's raw responses from both servers there;
 * - API_DIFF_REPORT=file writes the report (every difference, then the counts) there too;
 * - API_DIFF_WRITE_KNOWN=1 rewrites known-differences.ts as this run found it (review it with git diff);
 * - API_DIFF_SELF_CHECK=1 compares a second reference kube-apiserver instead of Kite:
 *   every step must then match, which checks that normalize.ts blanks all that varies.
 */

interface StepOutcome {
  readonly caseId: string;
  readonly stepId: string;
  readonly diff: readonly string[];
}

/** Checks the corpus: ids unique, case ids usable as namespace names, known differences naming real steps. */
function checkCorpus(cases: readonly DiffCase[], known: readonly KnownDifference[]): void {
  const ids = new Set<string>();
  for (const c of cases) {
    assert.ok(!ids.has(c.id), `case id ${c.id} is used twice`);
    ids.add(c.id);
    assert.match(c.id, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, `case id ${c.id} must be a DNS label: it names the case's namespace`);
    const stepIds = new Set<string>();
    for (const s of c.steps) {
      assert.ok(!stepIds.has(s.id), `case ${c.id}: step id ${s.id} is used twice`);
      stepIds.add(s.id);
    }
  }
  const byId = new Map(cases.map((c) => [c.id, c]));
  const listed = new Set<string>();
  for (const k of known) {
    if (process.env.API_DIFF_WRITE_KNOWN !== '1') assert.ok(k.reason.trim() !== '' && k.reason !== 'TODO', `known-differences.ts: ${k.case} ${k.steps.join(',')} needs a reason`);
    const c = byId.get(k.case);
    assert.ok(c, `known-differences.ts names case ${k.case}, which the corpus does not have`);
    for (const s of k.steps) {
      assert.ok(c.steps.some((x) => x.id === s), `known-differences.ts names step ${k.case}/${s}, which the case does not have`);
      assert.ok(!listed.has(`${k.case}/${s}`), `known-differences.ts lists ${k.case}/${s} twice`);
      listed.add(`${k.case}/${s}`);
    }
  }
}

function dumpCase(dir: string, c: DiffCase, reference: readonly StepResult[], kite: readonly StepResult[]): void {
  const raw = (r: StepResult): unknown => ({ step: r.step.id, path: r.sentPath, status: r.status, headers: r.headers, body: r.json ?? r.text, events: r.events, error: r.error });
  writeFileSync(join(dir, `${c.id}.json`), JSON.stringify({ case: c.id, title: c.title, reference: reference.map(raw), kite: kite.map(raw) }, null, 1));
}

const knownDifferencesFile = fileURLToPath(new URL('./known-differences.ts', import.meta.url));

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * known-differences.ts as this run found it: the entries of cases that did not run
 * are kept; for the cases that ran, every differing step is listed, with its old
 * reason when it had one and TODO otherwise (checkCorpus refuses TODO, so each new
 * one gets a reason before it is committed).
 */
function rewriteKnownDifferences(ran: ReadonlySet<string>, caseOrder: readonly string[], differing: readonly StepOutcome[]): void {
  const reasonOf = new Map<string, string>();
  for (const k of knownDifferences) for (const s of k.steps) reasonOf.set(`${k.case}/${s}`, k.reason);
  const fresh: KnownDifference[] = [];
  for (const d of differing) {
    const reason = reasonOf.get(`${d.caseId}/${d.stepId}`) ?? 'TODO';
    const last = fresh.at(-1);
    if (last && last.case === d.caseId && last.reason === reason) fresh[fresh.length - 1] = { ...last, steps: [...last.steps, d.stepId] };
    else fresh.push({ case: d.caseId, steps: [d.stepId], reason });
  }
  const position = new Map(caseOrder.map((id, i) => [id, i]));
  const entries = [...knownDifferences.filter((k) => !ran.has(k.case)), ...fresh];
  entries.sort((a, b) => (position.get(a.case) ?? 0) - (position.get(b.case) ?? 0));
  const source = readFileSync(knownDifferencesFile, 'utf8');
  const head = source.slice(0, source.indexOf('export const knownDifferences'));
  const lines = entries.map((e) => `  { case: ${quote(e.case)}, steps: [${e.steps.map(quote).join(', ')}], reason: ${quote(e.reason)} },`);
  writeFileSync(knownDifferencesFile, `${head}export const knownDifferences: readonly KnownDifference[] = [\n${lines.join('\n')}\n];\n`);
}

test('api-diff: kite apiserver answers as kube-apiserver 1.26 does', { timeout: 600_000 }, async (t) => {
  const skip = referenceAvailable();
  if (skip) {
    t.skip(skip);
    return;
  }
  const filter = process.env.API_DIFF_FILTER;
  const cases = allCases.filter((c) => !filter || c.id.includes(filter));
  checkCorpus(allCases, knownDifferences);
  assert.ok(cases.length > 0, `no case id contains ${filter}`);
  const dumpDir = process.env.API_DIFF_DUMP;
  if (dumpDir) mkdirSync(dumpDir, { recursive: true });

  const selfCheck = process.env.API_DIFF_SELF_CHECK === '1';
  const dir = tempDir('api-diff');
  let reference: KubeReference | undefined;
  let kite: ApiServerProcess | KubeReference | undefined;
  const started = Date.now();
  try {
    // Like for like: no controller runs beside the reference (no kube-controller-manager), so Kite runs none
    // in process either, and both allocate ClusterIPs from the same range.
    // Both authenticate the same bearer token from a token file: the same admin user in system:masters.
    const tokens = join(dir.path, 'tokens.csv');
    writeFileSync(tokens, `${referenceAdminToken},admin,1,"system:masters"\n`, { mode: 0o600 });
    const kiteArgs = ['--controllers=', '--service-cluster-ip-range=10.96.0.0/16', `--token-auth-file=${tokens}`];
    [reference, kite] = await Promise.all([startKubeReference(), selfCheck ? startKubeReference() : startApiServer(join(dir.path, 'kite'), undefined, kiteArgs)]);
    const targets: [Target, Target] = [makeTarget('reference', reference.url, reference.token), makeTarget(selfCheck ? 'second reference' : 'kite', kite.url, reference.token)];
    const serversUp = Date.now();

    const outcomes: StepOutcome[] = [];
    for (const c of cases) {
      await Promise.all(targets.map((target) => prepareNamespace(target, c.id)));
      const [onReference, onKite] = await Promise.all(targets.map((target) => runCase(target, c, c.id)));
      if (dumpDir) dumpCase(dumpDir, c, onReference!, onKite!);
      c.steps.forEach((s, i) => {
        outcomes.push({ caseId: c.id, stepId: s.id, diff: compareViews(stepView(onReference![i]!), stepView(onKite![i]!)) });
      });
    }
    for (const target of targets) target.agent.destroy();
    const finished = Date.now();

    const known = new Map<string, string>();
    if (!selfCheck) for (const k of knownDifferences) for (const s of k.steps) known.set(`${k.case}/${s}`, k.reason);
    const ran = new Set(cases.map((c) => c.id));
    const differing = outcomes.filter((o) => o.diff.length > 0);
    const unexpected = differing.filter((o) => !known.has(`${o.caseId}/${o.stepId}`));
    const nowMatching = outcomes.filter((o) => o.diff.length === 0 && known.has(`${o.caseId}/${o.stepId}`));
    const titles = new Map(cases.map((c) => [c.id, c.title]));

    const report: string[] = [];
    let lastCase = '';
    for (const d of differing) {
      if (d.caseId !== lastCase) report.push('', `== ${d.caseId}: ${titles.get(d.caseId) ?? ''}`);
      lastCase = d.caseId;
      const reason = known.get(`${d.caseId}/${d.stepId}`);
      report.push(`-- ${d.caseId}/${d.stepId} ${reason === undefined ? '(NOT LISTED in known-differences.ts)' : `(known: ${reason})`}`);
      for (const line of d.diff) report.push(`   ${line}`);
    }
    const matching = outcomes.length - differing.length;
    const casesMatching = cases.filter((c) => !differing.some((d) => d.caseId === c.id)).length;
    report.push(
      '',
      `api-diff: ${cases.length} cases, ${outcomes.length} steps, ${matching} match (${casesMatching} cases match in full); ` +
        `${differing.length - unexpected.length} known differences, ${unexpected.length} unexpected, ${nowMatching.length} listed but now matching; ` +
        `servers up in ${((serversUp - started) / 1000).toFixed(1)} s, cases took ${((finished - serversUp) / 1000).toFixed(1)} s`,
    );
    // One diagnostic per line: the runner keeps each whole, where one large stdout write may be split mid-line.
    for (const line of report) t.diagnostic(line);
    if (process.env.API_DIFF_REPORT) writeFileSync(process.env.API_DIFF_REPORT, `${report.join('\n')}\n`);

    if (process.env.API_DIFF_WRITE_KNOWN === '1') rewriteKnownDifferences(ran, allCases.map((c) => c.id), differing);

    assert.deepEqual(
      unexpected.map((o) => `${o.caseId}/${o.stepId}`),
      [],
      'these steps differ from kube-apiserver and are not listed in known-differences.ts (their diffs are printed above)',
    );
    assert.deepEqual(
      nowMatching.filter((o) => ran.has(o.caseId)).map((o) => `${o.caseId}/${o.stepId}`),
      [],
      'these steps are listed in known-differences.ts but now match kube-apiserver: remove them from the list',
    );
  } finally {
    await Promise.all([reference?.stop(), kite?.stop()]);
    dir.remove();
  }
});
