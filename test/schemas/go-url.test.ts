import { test } from 'node:test';
import assert from 'node:assert/strict';
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { escapedPath, hostname, parseRequestUri, parseUrl, port, queryValues } from '../../schemas/go-url.js';
import { urlCelFunctions, urlRegistry } from '../../schemas/cel-url.js';

/** What kube-apiserver 1.26's url library answers for a string (checked against it): its parts, or the parse error. */
interface Parts {
  readonly scheme: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
  readonly path: string;
  readonly query?: Record<string, string[]>;
}

const cases: Array<[string, Parts | string]> = [
  ['https://user:pass@example.com:80/path?query=val#fragment', { scheme: 'https', host: 'example.com:80', hostname: 'example.com', port: '80', path: '/path', query: { query: ['val'] } }],
  ['/absolute-path', { scheme: '', host: '', hostname: '', port: '', path: '/absolute-path' }],
  ['https://[::1]:80/', { scheme: 'https', host: '[::1]:80', hostname: '::1', port: '80', path: '/' }],
  ['https://[::1]/', { scheme: 'https', host: '[::1]', hostname: '::1', port: '', path: '/' }],
  ['https://example.com/path with spaces/', { scheme: 'https', host: 'example.com', hostname: 'example.com', port: '', path: '/path%20with%20spaces/' }],
  ['https://example.com', { scheme: 'https', host: 'example.com', hostname: 'example.com', port: '', path: '' }],
  ['https://example.com/path?k1=a&k2=b&k2=c', { scheme: 'https', host: 'example.com', hostname: 'example.com', port: '', path: '/path', query: { k1: ['a'], k2: ['b', 'c'] } }],
  ['https://example.com/path?key with spaces=value with spaces', { scheme: 'https', host: 'example.com', hostname: 'example.com', port: '', path: '/path', query: { 'key with spaces': ['value with spaces'] } }],
  ['https://example.com/path?', { scheme: 'https', host: 'example.com', hostname: 'example.com', port: '', path: '/path', query: {} }],
  ['HTTPS://EXAMPLE.com/A', { scheme: 'https', host: 'EXAMPLE.com', hostname: 'EXAMPLE.com', port: '', path: '/A' }],
  ['mailto:someone@example.com', { scheme: 'mailto', host: '', hostname: '', port: '', path: '' }],
  ['http://x/a%2Fb', { scheme: 'http', host: 'x', hostname: 'x', port: '', path: '/a%2Fb' }],
  ['http://x/a%41b', { scheme: 'http', host: 'x', hostname: 'x', port: '', path: '/a%41b' }],
  ['http://x/ü?ä=ö', { scheme: 'http', host: 'x', hostname: 'x', port: '', path: '/%C3%BC', query: { ä: ['ö'] } }],
  ['http://x:/', { scheme: 'http', host: 'x:', hostname: 'x', port: '', path: '/' }],
  ['http://[fe80::1%25en0]:8080/', { scheme: 'http', host: '[fe80::1%en0]:8080', hostname: 'fe80::1%en0', port: '8080', path: '/' }],
  ['http://x/?a=1;b=2&c=3', { scheme: 'http', host: 'x', hostname: 'x', port: '', path: '/', query: { c: ['3'] } }],
  ['http://x/?a=%zz&b=2', { scheme: 'http', host: 'x', hostname: 'x', port: '', path: '/', query: { b: ['2'] } }],
  ['http://x/?a+b=c+d&e=%20', { scheme: 'http', host: 'x', hostname: 'x', port: '', path: '/', query: { 'a b': ['c d'], e: [' '] } }],
  ['http://x/p#f?q', { scheme: 'http', host: 'x', hostname: 'x', port: '', path: '/p', query: {} }],
  ['http://x/[a]', { scheme: 'http', host: 'x', hostname: 'x', port: '', path: '/[a]' }],
  ['http://x/a;b,c', { scheme: 'http', host: 'x', hostname: 'x', port: '', path: '/a;b,c' }],
  ['*', { scheme: '', host: '', hostname: '', port: '', path: '*' }],
  ['https://a:b:c/', 'parse "https://a:b:c/": invalid port ":c" after host'],
  ['../relative-path', 'parse "../relative-path": invalid URI for request'],
  ['//host/path', { scheme: '', host: 'host', hostname: 'host', port: '', path: '/path' }],
  ['', 'parse "": empty url'],
  [' http://x', 'parse " http://x": invalid URI for request'],
  ['http://x\t/', 'parse "http://x\\t/": net/url: invalid control character in URL'],
  ['http://exa mple.com/', 'parse "http://exa mple.com/": invalid character " " in host name'],
  ['http://x/%zz', 'parse "http://x/%zz": invalid URL escape "%zz"'],
  ['http://us er@x/', 'parse "http://us er@x/": net/url: invalid userinfo'],
  ['http://%41/', 'parse "http://%41/": invalid URL escape "%41"'],
  ['http://x:8a/', 'parse "http://x:8a/": invalid port ":8a" after host'],
  ['http://[::1', `parse "http://[::1": missing ']' in host`],
  [':x', 'parse ":x": missing protocol scheme'],
  ['1http://x', 'parse "1http://x": invalid URI for request'],
];

test("URLs are parsed as Go's net/url parses them for Kubernetes' CEL url library", () => {
  for (const [text, want] of cases) {
    if (typeof want === 'string') {
      assert.throws(() => parseRequestUri(text), { message: want }, text);
      continue;
    }
    parseRequestUri(text);
    const url = parseUrl(text);
    const got: Parts = { scheme: url.scheme, host: url.host, hostname: hostname(url), port: port(url), path: escapedPath(url), ...(want.query ? { query: Object.fromEntries(queryValues(url)) } : {}) };
    assert.deepEqual(got, want, text);
  }
});

const env = celEnv({ registry: urlRegistry, funcs: [...urlCelFunctions] });
const evaluate = (rule: string): unknown => plan(env, parse(rule))();

test('the CEL url functions: url(), isURL() and the getters, with the library error for a bad URL', () => {
  const answers: Array<[string, unknown]> = [
    ["isURL('https://example.com/x')", true],
    ["isURL('/absolute')", true],
    ["isURL('../relative')", false],
    ["url('https://example.com:8443/a').getScheme()", 'https'],
    ["url('https://example.com:8443/a').getHost()", 'example.com:8443'],
    ["url('https://example.com:8443/a').getHostname()", 'example.com'],
    ["url('https://example.com:8443/a').getPort()", '8443'],
    ["url('https://example.com/a b').getEscapedPath()", '/a%20b'],
    ["url('https://example.com/?k=1&k=2').getQuery()['k'] == ['1', '2']", true],
    ["url('https://example.com/').getQuery().size()", 0n],
    ["url('https://example.com/a') == url('https://example.com/a')", true],
    ["url('https://example.com/a') == url('https://example.com/b')", false],
  ];
  for (const [rule, want] of answers) assert.deepEqual(evaluate(rule), want, rule);
  const bad = evaluate("url('../x').getScheme()");
  assert.ok(isCelError(bad));
  assert.equal(bad.message, 'URL parse error during conversion from string: parse "../x": invalid URI for request');
});
