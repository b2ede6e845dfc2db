import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isProxyableIp, proxyUrl, splitSchemeNamePort } from '../../registry/generic/proxy-target.js';

/**
 * The proxy subresources' checks, as Go's IP.IsGlobalUnicast and SplitSchemeNamePort decide
 * (the api-diff suite compares the refusals they lead to with kube-apiserver's).
 */

test('a proxy reaches global unicast addresses only', () => {
  const allowed = ['10.0.0.1', '192.168.1.7', '8.8.8.8', '240.0.0.1', '2001:db8::1', 'fd00::5', '::ffff:10.0.0.1', 'fec0::1'];
  const refused = ['127.0.0.1', '127.255.0.9', '0.0.0.0', '255.255.255.255', '169.254.169.254', '224.0.0.1', '239.1.2.3', '::', '::1', 'fe80::1', 'febf::1', 'ff02::1', '::ffff:127.0.0.1', '', 'localhost', '10.0.0.256', '1.2.3'];
  for (const ip of allowed) assert.equal(isProxyableIp(ip), true, ip);
  for (const ip of refused) assert.equal(isProxyableIp(ip), false, ip);
});

test('a proxy name splits into scheme, name and port as Go splits it', () => {
  assert.deepEqual(splitSchemeNamePort('web'), { scheme: '', name: 'web', port: '' });
  assert.deepEqual(splitSchemeNamePort('web:8080'), { scheme: '', name: 'web', port: '8080' });
  assert.deepEqual(splitSchemeNamePort('web:http'), { scheme: '', name: 'web', port: 'http' });
  assert.deepEqual(splitSchemeNamePort('https:web:443'), { scheme: 'https', name: 'web', port: '443' });
  assert.deepEqual(splitSchemeNamePort('http:web:'), { scheme: 'http', name: 'web', port: '' });
  for (const bad of ['a:b:c:d', 'ftp:web:21', ':8080', 'https::443', '']) assert.equal(splitSchemeNamePort(bad), undefined, bad);
});

test('a proxy URL takes a port number only, so the port cannot name another host', () => {
  assert.equal(proxyUrl('', '10.0.0.5', '8080', '/healthz').href, 'http://10.0.0.5:8080/healthz');
  assert.equal(proxyUrl('https', 'fd00::5', '', '').href, 'https://[fd00::5]/');
  assert.equal(proxyUrl('', 'fd00::5', '443', '/a/b/').href, 'http://[fd00::5]:443/a/b/');
  for (const port of ['80@169.254.169.254', 'x', '0', '65536', '1e3', ' 80']) {
    assert.throws(() => proxyUrl('', '10.0.0.5', port, '/'), (e: Error & { code?: number }) => e.code === 400 && /invalid port/.test(e.message), port);
  }
});
