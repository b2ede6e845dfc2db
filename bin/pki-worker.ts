/**
 * Making the API server's certificates on a worker thread. @peculiar/x509 and what it
 * loads (asn1js, reflect-metadata, tsyringe: some 3 MiB of heap once loaded) are needed
 * only on a first start or a renewal, and a module cannot be unloaded; a worker's heap
 * goes away with the worker, so the server does not carry that code for the rest of its life.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createCa, issueCert, type CertAndKey, type LeafSpec } from '../storage/tls/x509-certs.js';

/** What to make: a CA (or the one to sign with), and leaf certificates by name. */
export interface CertificateOrder {
  /** The CA that signs the leaves; a new one is made from newCa when absent. */
  readonly ca?: CertAndKey;
  readonly newCa?: { readonly commonName: string; readonly notBefore: Date; readonly notAfter: Date };
  readonly leaves: Readonly<Record<string, LeafSpec>>;
}

export interface MadeCertificates {
  readonly ca: CertAndKey;
  readonly leaves: Readonly<Record<string, CertAndKey>>;
}

/** Makes what order asks for, on this thread. */
export async function makeCertificates(order: CertificateOrder): Promise<MadeCertificates> {
  let ca = order.ca;
  if (ca === undefined) {
    if (order.newCa === undefined) throw new Error('a certificate order needs a CA or a new CA');
    ca = await createCa(order.newCa.commonName, order.newCa.notBefore, order.newCa.notAfter);
  }
  const leaves: Record<string, CertAndKey> = {};
  for (const [name, spec] of Object.entries(order.leaves)) leaves[name] = await issueCert(ca, spec);
  return { ca, leaves };
}

/** Makes what order asks for on a worker thread that exits once done. */
export function makeCertificatesInWorker(order: CertificateOrder): Promise<MadeCertificates> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { certificateOrder: order } });
    let made: MadeCertificates | undefined;
    worker.once('message', (m: MadeCertificates) => (made = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (made !== undefined ? resolve(made) : reject(new Error(`the certificate worker exited with code ${code} and no certificates`))));
  });
}

const order = (workerData as { certificateOrder?: CertificateOrder } | null)?.certificateOrder;
if (!isMainThread && order !== undefined) {
  const made = await makeCertificates(order);
  parentPort!.postMessage(made);
}
