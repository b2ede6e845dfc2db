import { EmbeddedStoreClient } from '../../storage/client/embedded-client.js';
import { GrpcStoreClient } from '../../storage/client/grpc-store-client.js';
import type { StoreClient } from '../../storage/client/store-client.js';
import { WatchableStore } from '../../storage/mvcc/watchable-store.js';
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { StoreServer } from '../../storage/server/store-server.js';
import { startStore, tempDir } from '../helpers/processes.js';

/** A store client on a fresh store, and how to tear it down. */
export interface TestStore {
  readonly client: StoreClient;
  close(): Promise<void>;
}

/** An embedded member on a temp dir, reached through EmbeddedStoreClient. */
export function embeddedStore(): TestStore {
  const dir = tempDir('registry');
  const { values, explicit } = resolveFlags({ 'data-dir': dir.path }, {});
  const server = StoreServer.open(buildMemberConfig(values, explicit));
  const watchable = new WatchableStore(server.kv);
  const client = new EmbeddedStoreClient(server, watchable);
  return {
    client,
    close: async () => {
      await client.close();
      watchable.close();
      await server.close();
      dir.remove();
    },
  };
}

/** A real etcd process on a temp dir, reached through GrpcStoreClient. */
export async function etcdStore(): Promise<TestStore> {
  const dir = tempDir('registry-etcd');
  const member = await startStore({ kind: 'etcd', dataDir: dir.path });
  const client = new GrpcStoreClient([member.endpoint]);
  return {
    client,
    close: async () => {
      await client.close();
      await member.stop();
      dir.remove();
    },
  };
}

/** Polls pred every 10 ms for up to 4 s. */
export async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!pred()) throw new Error(`timed out waiting for ${what}`);
}
