// Talking to /ui/api/: JSON reads and the server-sent event stream, with the
// credentials the user gave (kept in this browser's localStorage), if any: a bearer
// token (the API server's, or an etcd token), or an etcd user and password (kite store).

const tokenKey = 'kite-insight-token';

export function token() {
  return localStorage.getItem(tokenKey) ?? '';
}

export function setToken(t) {
  if (t) localStorage.setItem(tokenKey, t);
  else localStorage.removeItem(tokenKey);
}

/** Keeps an etcd user and password, sent as HTTP basic. */
export function setBasic(user, password) {
  setToken(user ? `Basic ${btoa(`${user}:${password}`)}` : '');
}

function headers() {
  const t = token();
  if (!t) return {};
  return { authorization: /^(Basic|Bearer) /.test(t) ? t : `Bearer ${t}` };
}

export async function getJson(path) {
  const res = await fetch(`api/${path}`, { headers: headers(), cache: 'no-store' });
  const body = await res.json();
  if (!res.ok) throw new Error(body.message ?? `${res.status}`);
  return body;
}

/**
 * Follows the event stream (fetch, so it can carry the token), calling
 * onEvent(name, data) per event and onState('live' | 'down'); reconnects after a second.
 */
export function followEvents(onEvent, onState) {
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      try {
        const res = await fetch('api/events', { headers: headers(), cache: 'no-store' });
        if (!res.ok) throw new Error(`events: ${res.status}`);
        onState('live');
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            let name = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) name = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (data !== '') onEvent(name, JSON.parse(data));
          }
        }
      } catch (err) {
        console.warn('insight events:', err);
      }
      onState('down');
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void run();
  return () => { stopped = true; };
}
