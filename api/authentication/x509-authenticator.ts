/**
 * Client certificates (--client-ca-file): the TLS listener asks every client for a
 * certificate and verifies it against the client CA; a verified one names the user
 * by its subject's common name and the groups by its organizations. A certificate the
 * CA did not sign (or an expired one, or one not for client auth) fails the request.
 */
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { noCredentials, type AuthenticationResult, type Authenticator } from './authenticator.js';

const values = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export const x509Authenticator: Authenticator = {
  name: 'x509',
  authenticate: (req: IncomingMessage): AuthenticationResult => {
    const socket = req.socket;
    if (!(socket instanceof TLSSocket)) return noCredentials;
    const cert = socket.getPeerCertificate();
    if (cert === null || Object.keys(cert).length === 0) return noCredentials;
    if (!socket.authorized) return { kind: 'failed', reason: `verifying certificate failed: ${String(socket.authorizationError)}` };
    const subject = (cert.subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
    const [name] = values(subject['CN']);
    // A certificate without a common name names no user (kube-apiserver's CommonNameUserConversion).
    if (name === undefined || name === '') return noCredentials;
    return { kind: 'authenticated', by: 'x509', user: { name, uid: '', groups: values(subject['O']), extra: {} } };
  },
};
