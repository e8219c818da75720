// A shell in a pod through BCS's Kubernetes proxy: xterm.js (bundled with
// this page only) over the v5.channel.k8s.io websocket. The session cookie
// rides the upgrade; the CSRF token goes as a subprotocol entry, since a
// browser sets no header on a websocket. The project's exec switch gates
// the button before the proxy would refuse.
import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { csrfToken } from '../api/session';
import { useQuery } from '../api/hooks';
import type { Role } from '../components/Gate';
import { decode, encodeResize, encodeStdin, execProtocols, execURL } from '../pods/channel';
import { roleDenial } from '../pods/gate';
import { KubectlSettingsQuery } from '../pods/ops';
import { useContainers } from '../pods/proxy';

export default function PodTerminal({ pid, cid, ns, pod }: { pid: string; cid: string; ns: string; pod: string }) {
  const settings = useQuery(KubectlSettingsQuery, { id: pid });
  const p = settings.data?.project;
  const denied = roleDenial('a terminal', p?.viewerCan.role as Role | undefined, p?.kubectlSettings.execMinRole as Role | undefined, settings.data?.me.admin);
  const { containers, error: podError } = useContainers(cid, ns, pod);
  const [container, setContainer] = useState('');
  const [command, setCommand] = useState('sh');
  const [run, setRun] = useState(0); // bumps to (re)connect
  const [status, setStatus] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const chosen = container || containers[0] || '';

  useEffect(() => {
    if (!run || !box.current) return;
    const term = new Terminal({ cursorBlink: true, convertEol: false, fontFamily: 'ui-monospace, monospace', fontSize: 13 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box.current);
    fit.fit();
    term.focus();
    setStatus('Connecting…');
    const ws = new WebSocket(execURL(location.origin, cid, ns, pod, chosen, command), execProtocols(csrfToken()));
    ws.binaryType = 'arraybuffer';
    const send = (b: Uint8Array<ArrayBuffer>) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(b);
    };
    let ended = false;
    ws.onopen = () => {
      setStatus(`Connected to ${chosen}`);
      send(encodeResize(term.cols, term.rows));
    };
    ws.onmessage = (e) => {
      const m = decode(e.data as ArrayBuffer);
      if (m.kind === 'output') term.write(m.data);
      else if (m.kind === 'status') {
        ended = true;
        setStatus(m.success ? 'Session ended' : `Session ended: ${m.message}`);
      }
    };
    ws.onclose = (e) => {
      if (!ended) setStatus(e.code === 1000 ? 'Session ended' : `Disconnected${e.reason ? `: ${e.reason}` : ' (refused or closed by the server)'}`);
      term.options.disableStdin = true;
    };
    const onData = term.onData((d) => send(encodeStdin(d)));
    const onBinary = term.onBinary((d) => send(encodeStdin(Uint8Array.from(d, (c) => c.charCodeAt(0)))));
    const onResize = term.onResize(({ cols, rows }) => send(encodeResize(cols, rows)));
    const ro = new ResizeObserver(() => fit.fit());
    ro.observe(box.current);
    return () => {
      ro.disconnect();
      onData.dispose();
      onBinary.dispose();
      onResize.dispose();
      ws.close();
      term.dispose();
    };
  }, [run, cid, ns, pod, chosen, command]);

  return (
    <>
      <h1>Terminal in {ns}/{pod}</h1>
      <p className="muted"><a href={`/projects/${pid}/clusters/${cid}`}>Cluster</a> · through BCS's Kubernetes proxy, audited as an exec session</p>
      <div className="row">
        <div>
          <label htmlFor="term-container">Container</label>
          <select id="term-container" value={chosen} onChange={(e) => setContainer(e.target.value)} disabled={containers.length < 2}>
            {containers.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </div>
        <div><label htmlFor="term-command">Command</label><input id="term-command" value={command} onChange={(e) => setCommand(e.target.value)} style={{ width: 120 }} /></div>
        <span className="gated">
          <button type="button" className="primary" disabled={!!denied || !chosen || !command} title={denied ?? undefined}
            aria-describedby={denied ? 'term-why' : undefined} onClick={() => setRun((r) => r + 1)} data-action="exec">{run ? 'Reconnect' : 'Connect'}</button>
          {denied && <span id="term-why" className="why">{denied}</span>}
        </span>
        <span role="status" aria-live="polite" className="muted" data-testid="terminal-state">{status}</span>
      </div>
      {podError && <p role="alert" className="error">{podError}</p>}
      <div ref={box} data-testid="terminal" style={{ height: '65vh', background: '#000', padding: 4 }} aria-label={`terminal in ${pod}`} />
    </>
  );
}
