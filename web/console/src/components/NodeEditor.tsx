// Edits a node's labels and taints as text, checked line by line before
// anything is sent; each save is one operation (setNodeLabels,
// setNodeTaints) whose progress is shown by the page.
import { useState } from 'react';
import { useMutation } from '../api/hooks';
import { SetNodeLabelsMutation, SetNodeTaintsMutation } from '../api/ops';
import { ErrorView } from './ErrorView';
import { Gated, type Permissions } from './Gate';
import { formatLabels, labelChanges, parseLabels, parseTaints, type LineError } from './nodeEdit';
import type { Op } from './OperationStatus';

function LineErrors({ errors, id }: { errors: LineError[]; id: string }) {
  if (!errors.length) return null;
  return (
    <ul id={id} className="field-error" role="alert">
      {errors.map((e) => <li key={`${e.line}:${e.message}`}>line {e.line}: {e.message}</li>)}
    </ul>
  );
}

export function NodeEditor({ clusterID, node, can, onOp, onClose }: {
  clusterID: string;
  node: { name: string; labels?: Record<string, string> | null; taints?: string[] | null };
  can?: Permissions;
  onOp: (label: string, op: Op) => void;
  onClose: () => void;
}) {
  const [labelsText, setLabelsText] = useState(() => formatLabels(node.labels));
  const [taintsText, setTaintsText] = useState(() => (node.taints ?? []).join('\n'));
  const setLabels = useMutation(SetNodeLabelsMutation);
  const setTaints = useMutation(SetNodeTaintsMutation);
  const labels = parseLabels(labelsText);
  const taints = parseTaints(taintsText);
  const change = labelChanges(node.labels, labels.labels);
  const unchanged = !Object.keys(change.labels).length && !change.remove.length;
  return (
    <div className="panel" aria-labelledby="node-edit">
      <h2 id="node-edit">Labels and taints of {node.name}</h2>
      <div className="row">
        <div>
          <label htmlFor="node-labels">Labels (key=value, one a line)</label>
          <textarea id="node-labels" rows={8} cols={48} spellCheck={false} value={labelsText} onChange={(e) => setLabelsText(e.target.value)}
            aria-invalid={labels.errors.length > 0} aria-describedby={labels.errors.length ? 'node-labels-errors' : undefined} />
          <LineErrors errors={labels.errors} id="node-labels-errors" />
          <Gated can={can} action="clusterManage" className="primary" disabled={setLabels.busy || labels.errors.length > 0 || unchanged}
            onClick={async () => {
              const r = await setLabels.run({ clusterID, name: node.name, labels: change.labels, remove: change.remove });
              if (r) onOp(`Labels of ${node.name}`, r.setNodeLabels);
            }}>Save labels</Gated>
          <ErrorView error={setLabels.error} />
        </div>
        <div>
          <label htmlFor="node-taints">Taints (key=value:Effect, one a line)</label>
          <textarea id="node-taints" rows={8} cols={48} spellCheck={false} value={taintsText} onChange={(e) => setTaintsText(e.target.value)}
            aria-invalid={taints.errors.length > 0} aria-describedby={taints.errors.length ? 'node-taints-errors' : undefined} />
          <LineErrors errors={taints.errors} id="node-taints-errors" />
          <Gated can={can} action="clusterManage" className="primary" disabled={setTaints.busy || taints.errors.length > 0}
            onClick={async () => {
              const r = await setTaints.run({ clusterID, name: node.name, taints: taints.taints });
              if (r) onOp(`Taints of ${node.name}`, r.setNodeTaints);
            }}>Save taints</Gated>
          <ErrorView error={setTaints.error} />
        </div>
      </div>
      <button type="button" onClick={onClose}>Close</button>
    </div>
  );
}
