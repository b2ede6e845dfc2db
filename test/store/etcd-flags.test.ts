// Every etcd 3.4 flag is either honoured or refused by name, on the command line, as an ETCD_
// variable and in a config file; none is silently ignored (issue "Store 4").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allFlagSpecs, buildMemberConfig, ConfigError, envName, etcdOnlyFlags, resolveFlags, withoutEffectNotes } from '../../storage/server/member-flags.js';
import { readConfigFile } from '../../storage/server/config-file.js';
import { kiteBin, missingTool, tempDir } from '../helpers/processes.js';

/** Builds a config from flags given on the command line (or, with env, as variables). */
function build(flags: Record<string, string>, asEnv = false): ReturnType<typeof buildMemberConfig> {
  const env = asEnv ? Object.fromEntries(Object.entries(flags).map(([f, v]) => [envName(f), v])) : {};
  const { values, explicit } = resolveFlags(asEnv ? {} : flags, env);
  return buildMemberConfig(values, explicit);
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  return 'accepted';
}

test("kite store takes every flag of etcd 3.4's --help", { skip: missingTool('etcd', 'etcd-server') }, () => {
  const etcdHelp = spawnSync('etcd', ['--help'], { encoding: 'utf8' });
  const etcdFlags = [...new Set([...`${etcdHelp.stdout}${etcdHelp.stderr}`.matchAll(/^\s+--([a-z0-9-]+)/gm)].map((m) => m[1]!))];
  assert.ok(etcdFlags.length >= 75, `etcd --help listed ${etcdFlags.length} flags`);
  const kiteHelp = spawnSync(process.execPath, [kiteBin, 'store', '--help'], { encoding: 'utf8' }).stdout;
  const missing = etcdFlags.filter((f) => !new RegExp(`--${f}\\b`).test(kiteHelp));
  assert.deepEqual(missing, [], 'etcd flags kite store does not take');
});

test('every flag at its default is accepted, from the command line and from its ETCD_ variable', () => {
  for (const [flag, spec] of Object.entries(allFlagSpecs())) {
    if (spec.default === '' || flag === 'initial-cluster' || flag === 'listen-client-urls') continue; // their defaults need their companions
    assert.equal(refusal(() => build({ [flag]: spec.default })), 'accepted', `--${flag}=${spec.default}`);
    assert.equal(refusal(() => build({ [flag]: spec.default }, true)), 'accepted', `${envName(flag)}=${spec.default}`);
  }
});

test('flags for features Kite lacks are refused by name unless at their default; flags without effect are noted', () => {
  for (const [flag, spec] of Object.entries(etcdOnlyFlags)) {
    if (!spec.help.startsWith('accepted only as')) continue;
    const other = spec.bool === true ? (spec.default === 'true' ? 'false' : 'true') : 'something-else';
    for (const asEnv of [false, true]) {
      assert.match(refusal(() => build({ [flag]: other }, asEnv)), new RegExp(`^--${flag}=${other} is not supported: .+`), `${asEnv ? envName(flag) : `--${flag}`}=${other}`);
    }
  }
  // Equal durations in another spelling are the default.
  assert.equal(refusal(() => build({ 'grpc-keepalive-interval': '2h' })), 'accepted');
  const { values, explicit } = resolveFlags({ 'max-wals': '10', metrics: 'extensive' }, {});
  assert.deepEqual(withoutEffectNotes(values, explicit).map((n) => n.split(':')[0]), ['--max-wals=10 has no effect', '--metrics=extensive has no effect']);
});

test('the honoured ones reach the configuration', () => {
  const c = build({
    'pre-vote': 'false',
    'backend-batch-interval': '20ms',
    'experimental-watch-progress-notify-interval': '5s',
    'experimental-peer-skip-client-san-verification': 'true',
    'listen-metrics-urls': 'http://127.0.0.1:2381',
    'strict-reconfig-check': 'false',
    'force-new-cluster': 'true',
  });
  assert.deepEqual(
    [c.preVote, c.backendBatchIntervalMs, c.watchProgressNotifyIntervalMs, c.peerSkipClientSanVerification, c.listenMetricsUrls, c.strictReconfigCheck, c.forceNewCluster],
    [false, 20, 5000, true, ['http://127.0.0.1:2381'], false, true],
  );
  assert.match(refusal(() => build({ 'experimental-watch-progress-notify-interval': 'soon' })), /expected a duration/);
  // An https metrics URL is served with the client certificate, as etcd does: it needs one.
  assert.equal(refusal(() => build({ 'listen-metrics-urls': 'https://127.0.0.1:2381' })), 'cannot listen on TLS for 127.0.0.1:2381: KeyFile and CertFile are not presented');
  assert.deepEqual(build({ 'listen-metrics-urls': 'https://127.0.0.1:2381', 'auto-tls': 'true' }).listenMetricsUrls, ['https://127.0.0.1:2381']);
});

test("etcd's YAML config file: flag names as keys, the TLS sections, unknown keys refused", () => {
  const dir = tempDir('config-file');
  try {
    const file = join(dir.path, 'etcd.conf.yml');
    writeFileSync(
      file,
      [
        'name: m1',
        "data-dir: /var/lib/kite/m1",
        'listen-client-urls: https://127.0.0.1:2379',
        'advertise-client-urls: https://127.0.0.1:2379',
        'snapshot-count: 10000',
        'strict-reconfig-check: false',
        'log-outputs: [stderr]',
        'client-transport-security:',
        '  cert-file: /pki/server.crt',
        '  key-file: /pki/server.key',
        '  client-cert-auth: true',
        '  trusted-ca-file: /pki/ca.crt',
        'peer-transport-security:',
        '  allowed-cn: etcd-peer',
      ].join('\n'),
    );
    assert.deepEqual(readConfigFile(file), {
      name: 'm1',
      'data-dir': '/var/lib/kite/m1',
      'listen-client-urls': 'https://127.0.0.1:2379',
      'advertise-client-urls': 'https://127.0.0.1:2379',
      'snapshot-count': '10000',
      'strict-reconfig-check': 'false',
      'log-outputs': 'stderr',
      'cert-file': '/pki/server.crt',
      'key-file': '/pki/server.key',
      'client-cert-auth': 'true',
      'trusted-ca-file': '/pki/ca.crt',
      'peer-cert-allowed-cn': 'etcd-peer',
    });
    writeFileSync(file, 'name: m1\nlisten-client-url: http://127.0.0.1:2379\n');
    assert.match(refusal(() => readConfigFile(file)), /unknown key "listen-client-url"/);
    // kite store with the file: its settings win over the environment, as in etcd.
    const dataDir = join(dir.path, 'from-file');
    writeFileSync(file, `name: m1\ndata-dir: ${dataDir}\nenable-v2: true\n`);
    const r = spawnSync(process.execPath, [kiteBin, 'store', `--config-file=${file}`], { encoding: 'utf8', env: { ...process.env, ETCD_ENABLE_V2: 'false' } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--enable-v2=true is not supported/);
  } finally {
    dir.remove();
  }
});
