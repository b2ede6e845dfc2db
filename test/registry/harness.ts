import { EmbeddedStoreClient } from '../../storage/client/embedded-client.js';
import { GrpcStoreClient } from '../../storage/client/grpc-store-client.js';
import type { StoreClient } from '../../storage/client/store-client.js';
import { startEmbeddedMember } from '../helpers/embedded-member.js';
import { startStore, tempDir } from '../helpers/processes.js';

/** A store client on a fresh store, and how to tear it down. */
export interface TestStore {
  readonly client: StoreClient;
  close(): Promise<void>;
}

/** An embedded member on a temp dir, reached through EmbeddedStoreClient. */
export async function embeddedStore(): Promise<TestStore> {
  const member = await startEmbeddedMember('registry');
  const client = new EmbeddedStoreClient(member.store, member.watchable);
  return {
    client,
    close: async () => {
      await client.close();
      await member.close();
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
