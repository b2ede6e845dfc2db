#!/usr/bin/env node
import { Command, Option } from 'commander';
import { buildMemberConfig, ConfigError, memberFlags, resolveFlags, envName, type MemberFlagName } from '../storage/server/member-flags.js';
import { runMember } from '../storage/server/run-member.js';
import { formatMemberId } from '../storage/server/member-id.js';

function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(JSON.stringify({ level, ts: new Date().toISOString(), msg, ...fields }) + '\n');
}

const program = new Command();
program.name('kite').description('Kite: a small Kubernetes-style control plane on its own etcd-compatible store').showHelpAfterError();

const store = program
  .command('store')
  .description("run a store member: etcd's v3 API on its client URLs, taking etcd's flags and ETCD_* variables");
for (const [flag, spec] of Object.entries(memberFlags)) {
  // Defaults are applied after ETCD_* variables are merged, so commander gets none.
  store.addOption(new Option(`--${flag} <value>`, `${spec.help} [env ${envName(flag)}] (default ${JSON.stringify(spec.default)})`));
}
store.action(async (opts: Record<string, string | undefined>) => {
  const given: Partial<Record<MemberFlagName, string>> = {};
  for (const flag of Object.keys(memberFlags) as MemberFlagName[]) {
    const key = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (opts[key] !== undefined) given[flag] = opts[key];
  }
  try {
    const { values, explicit, warnings } = resolveFlags(given, process.env);
    for (const w of warnings) log('warn', w);
    const config = buildMemberConfig(values, explicit);
    const member = await runMember(config);
    log('info', 'serving client traffic', {
      name: config.name,
      'member-id': formatMemberId(member.store.memberId),
      'cluster-id': formatMemberId(member.store.clusterId),
      'data-dir': config.dataDir,
      'listen-client-urls': config.listenClientUrls,
      ports: member.clients.ports,
      revision: member.store.kv.revision,
    });
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log('info', 'received signal; shutting down', { signal });
      member.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          log('error', 'shutdown failed', { error: String(err) });
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  } catch (err) {
    if (err instanceof ConfigError || (err instanceof Error && err.message.startsWith('listen tcp'))) {
      log('error', err.message);
      process.exit(1);
    }
    throw err;
  }
});

await program.parseAsync(process.argv);
