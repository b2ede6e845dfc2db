/** Blanks what legitimately differs between etcd and Kite, and the client's log noise. */
export function normalize(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('{"level":'))
    .join('\n')
    .replace(/"dbSize(InUse)?":\d+/g, '"dbSize$1":<size>')
    .replace(/"version":"3\.4\.\d+"/g, '"version":"<version>"')
    .replace(/\|\s+3\.4\.\d+\s+\|\s+[\d.]+ [kMG]?B\s+\|/g, '| <version> | <size> |')
    .replace(/took = [\d.]+[µm]?s/g, 'took = <duration>');
}

