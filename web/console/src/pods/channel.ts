// The v5.channel.k8s.io websocket protocol of exec and attach: every binary
// message starts with its channel byte (0 stdin, 1 stdout, 2 stderr,
// 3 the final Status, 4 terminal resize; 255 closes a channel, new in v5).
export const ExecProtocol = 'v5.channel.k8s.io';
/** Prefix of the subprotocol entry carrying the session's CSRF token (internal/kubeproxy). */
export const CSRFProtocolPrefix = 'bcs.csrf.';

export const Stdin = 0;
export const Stdout = 1;
export const Stderr = 2;
export const StatusChannel = 3;
export const Resize = 4;
export const CloseChannel = 255;

const enc = new TextEncoder();

function frame(channel: number, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(payload.length + 1);
  out[0] = channel;
  out.set(payload, 1);
  return out;
}

/** A keystroke or paste for the process's stdin. */
export function encodeStdin(data: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return frame(Stdin, typeof data === 'string' ? enc.encode(data) : data);
}

/** The terminal's new size, as the API server reads it (remotecommand.TerminalSize). */
export function encodeResize(cols: number, rows: number): Uint8Array<ArrayBuffer> {
  return frame(Resize, enc.encode(JSON.stringify({ Width: Math.max(1, Math.floor(cols)), Height: Math.max(1, Math.floor(rows)) })));
}

/** Tells the process its stdin ended (v5 only). */
export function encodeCloseStdin(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([CloseChannel, Stdin]);
}

export type Decoded =
  | { kind: 'output'; channel: typeof Stdout | typeof Stderr; data: Uint8Array }
  | { kind: 'status'; success: boolean; message: string; exitCode?: number }
  | { kind: 'ignored' };

/** One message from the server: output to show, or the session's end. */
export function decode(msg: ArrayBuffer | Uint8Array): Decoded {
  const b = msg instanceof Uint8Array ? msg : new Uint8Array(msg);
  if (b.length === 0) return { kind: 'ignored' };
  const data = b.subarray(1);
  switch (b[0]) {
    case Stdout:
    case Stderr:
      return { kind: 'output', channel: b[0], data };
    case StatusChannel: {
      try {
        const st = JSON.parse(new TextDecoder().decode(data)) as {
          status?: string;
          message?: string;
          details?: { causes?: { reason?: string; message?: string }[] };
        };
        const code = st.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
        return {
          kind: 'status',
          success: st.status === 'Success',
          message: st.message ?? st.status ?? '',
          exitCode: code !== undefined ? Number(code) : st.status === 'Success' ? 0 : undefined,
        };
      } catch {
        return { kind: 'status', success: false, message: 'unreadable status from the server' };
      }
    }
    default:
      return { kind: 'ignored' };
  }
}

/** The exec URL of a pod through BCS's proxy (a shell with a TTY by default). */
export function execURL(origin: string, clusterID: string, ns: string, pod: string, container?: string, command = 'sh'): string {
  const q = new URLSearchParams({ command, stdin: 'true', stdout: 'true', stderr: 'true', tty: 'true' });
  if (container) q.set('container', container);
  const base = origin.replace(/^http/, 'ws');
  return `${base}${podPath(clusterID, ns, pod)}/exec?${q}`;
}

/** The proxy path of a pod. */
export function podPath(clusterID: string, ns: string, pod: string): string {
  return `/clusters/${encodeURIComponent(clusterID)}/k8s/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`;
}

/** The followed log's URL: the last 500 lines, then live. */
export function logURL(clusterID: string, ns: string, pod: string, container?: string): string {
  const q = new URLSearchParams({ follow: 'true', tailLines: '500' });
  if (container) q.set('container', container);
  return `${podPath(clusterID, ns, pod)}/log?${q}`;
}

/** The subprotocols to offer: the exec protocol and the CSRF token, which the proxy never echoes. */
export function execProtocols(csrf: string): string[] {
  return csrf ? [ExecProtocol, CSRFProtocolPrefix + csrf] : [ExecProtocol];
}
