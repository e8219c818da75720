// A pod's live log through BCS's Kubernetes proxy: the last 500 lines, then
// followed as they come; pausing holds the view (lines keep arriving and
// show on resume), and the container is chosen like kubectl's -c.
import { useEffect, useRef, useState } from 'react';
import { logURL } from '../pods/channel';
import { proxyError, proxyFetch, useContainers } from '../pods/proxy';

/** Lines kept in the page: a chatty pod must not grow it without bound. */
const maxLines = 5000;

export default function PodLogs({ pid, cid, ns, pod }: { pid: string; cid: string; ns: string; pod: string }) {
  const { containers, error: podError } = useContainers(cid, ns, pod);
  const [container, setContainer] = useState('');
  const [lines, setLines] = useState<string[]>([]);
  const [paused, setPaused] = useState(false);
  const [state, setState] = useState<'connecting' | 'following' | 'ended' | 'error'>('connecting');
  const [error, setError] = useState('');
  const held = useRef<string[]>([]);
  const [heldCount, setHeldCount] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const pre = useRef<HTMLPreElement>(null);
  const chosen = container || containers[0] || '';

  useEffect(() => {
    if (!chosen) return;
    const ctl = new AbortController();
    setLines([]);
    held.current = [];
    setHeldCount(0);
    setState('connecting');
    setError('');
    const push = (more: string[]) => {
      if (pausedRef.current) {
        held.current = held.current.concat(more).slice(-maxLines);
        setHeldCount(held.current.length);
        return;
      }
      setLines((prev) => prev.concat(more).slice(-maxLines));
    };
    (async () => {
      const res = await proxyFetch(logURL(cid, ns, pod, chosen), { signal: ctl.signal });
      if (!res.ok || !res.body) throw await proxyError(res);
      setState('following');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let rest = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parts = (rest + value).split('\n');
        rest = parts.pop() ?? '';
        if (parts.length) push(parts);
      }
      if (rest) push([rest]);
      setState('ended');
    })().catch((e: Error) => {
      if (ctl.signal.aborted) return;
      setError(e.message);
      setState('error');
    });
    return () => ctl.abort();
  }, [cid, ns, pod, chosen]);

  // Follow the tail unless the reader scrolled up.
  useEffect(() => {
    const el = pre.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const toggle = () => {
    if (paused) {
      const more = held.current;
      held.current = [];
      setHeldCount(0);
      setLines((prev) => prev.concat(more).slice(-maxLines));
    }
    setPaused(!paused);
  };

  return (
    <>
      <h1>Logs of {ns}/{pod}</h1>
      <p className="muted"><a href={`/projects/${pid}/clusters/${cid}`}>Cluster</a> · through BCS's Kubernetes proxy, as your project role</p>
      <div className="row">
        <div>
          <label htmlFor="log-container">Container</label>
          <select id="log-container" value={chosen} onChange={(e) => setContainer(e.target.value)} disabled={containers.length < 2}>
            {containers.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </div>
        <button type="button" onClick={toggle} aria-pressed={paused} disabled={state !== 'following' && !paused}>{paused ? 'Resume' : 'Pause'}</button>
        <span role="status" aria-live="polite" className="muted" data-testid="log-state">
          {state === 'following' ? (paused ? `Paused (${heldCount} new ${heldCount === 1 ? 'line' : 'lines'} held)` : 'Following') : state === 'connecting' ? 'Connecting…' : state === 'ended' ? 'Log ended' : ''}
        </span>
      </div>
      {(error || podError) && <p role="alert" className="error">{error || podError}</p>}
      <pre ref={pre} className="yaml log" tabIndex={0} aria-label={`log of ${pod}`} data-testid="log" style={{ maxHeight: '70vh', overflow: 'auto' }}>{lines.join('\n')}</pre>
    </>
  );
}
