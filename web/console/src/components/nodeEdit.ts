// Text forms of a node's labels and taints for the node editor: one
// `key=value` label per line, one `key=value:Effect` taint per line (the
// form the cluster page lists them in). Parsing reports errors by line so
// the editor can show them where they are, before anything is sent.

export interface TaintInput {
  key: string;
  value?: string;
  effect: string;
}

export interface LineError {
  line: number;
  message: string;
}

export const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

// A Kubernetes qualified name, optionally with a DNS-subdomain prefix.
const keyRe = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const valueRe = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function lines(text: string): [number, string][] {
  return text.split('\n').map((l, i) => [i + 1, l.trim()] as [number, string]).filter(([, l]) => l !== '' && !l.startsWith('#'));
}

function checkKV(key: string, value: string, line: number, errors: LineError[]) {
  if (!keyRe.test(key)) errors.push({ line, message: `"${key}" is not a valid key` });
  else if (!valueRe.test(value)) errors.push({ line, message: `"${value}" is not a valid value` });
}

export function formatLabels(labels: Record<string, string> | null | undefined): string {
  return Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join('\n');
}

export function parseLabels(text: string): { labels: Record<string, string>; errors: LineError[] } {
  const labels: Record<string, string> = {};
  const errors: LineError[] = [];
  for (const [line, l] of lines(text)) {
    const i = l.indexOf('=');
    const key = (i < 0 ? l : l.slice(0, i)).trim();
    const value = i < 0 ? '' : l.slice(i + 1).trim();
    if (key in labels) errors.push({ line, message: `"${key}" is set twice` });
    checkKV(key, value, line, errors);
    labels[key] = value;
  }
  return { labels, errors };
}

/** What setNodeLabels needs to go from before to after: set and remove. */
export function labelChanges(before: Record<string, string> | null | undefined, after: Record<string, string>): { labels: Record<string, string>; remove: string[] } {
  const old = before ?? {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(after)) if (old[k] !== v) labels[k] = v;
  const remove = Object.keys(old).filter((k) => !(k in after)).sort();
  return { labels, remove };
}

export function parseTaints(text: string): { taints: TaintInput[]; errors: LineError[] } {
  const taints: TaintInput[] = [];
  const errors: LineError[] = [];
  const seen = new Set<string>();
  for (const [line, l] of lines(text)) {
    const c = l.lastIndexOf(':');
    if (c < 0) {
      errors.push({ line, message: `"${l}" has no effect: write key=value:${taintEffects[0]}` });
      continue;
    }
    const effect = l.slice(c + 1).trim();
    const kv = l.slice(0, c);
    const e = kv.indexOf('=');
    const key = (e < 0 ? kv : kv.slice(0, e)).trim();
    const value = e < 0 ? '' : kv.slice(e + 1).trim();
    if (!taintEffects.includes(effect)) errors.push({ line, message: `effect "${effect}" is not one of ${taintEffects.join(', ')}` });
    checkKV(key, value, line, errors);
    if (seen.has(`${key}:${effect}`)) errors.push({ line, message: `"${key}:${effect}" is set twice` });
    seen.add(`${key}:${effect}`);
    taints.push(value ? { key, value, effect } : { key, effect });
  }
  return { taints, errors };
}
