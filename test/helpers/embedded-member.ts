// A member in this process on a temp dir, as the API server embeds one: a one-voter Raft
// cluster that listens for no peers and serves no clients. Tests reach it directly.
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { runMember, type RunningMember } from '../../storage/embed/run-member.js';
import { tempDir } from './processes.js';

export interface EmbeddedMember extends RunningMember {
  /** Stops the member and removes its data dir. */
  close(): Promise<void>;
}

/** Starts a member on a fresh temp dir (named after prefix); its log goes nowhere. */
export async function startEmbeddedMember(prefix: string): Promise<EmbeddedMember> {
  const dir = tempDir(prefix);
  const { values, explicit } = resolveFlags({ 'data-dir': dir.path }, {});
  try {
    const member = await runMember({ ...buildMemberConfig(values, explicit), listenPeerUrls: [] }, { serveClients: false, log: () => undefined });
    return {
      ...member,
      close: async () => {
        await member.stop();
        dir.remove();
      },
    };
  } catch (err) {
    dir.remove();
    throw err;
  }
}
