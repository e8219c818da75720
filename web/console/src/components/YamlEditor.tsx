// CodeMirror 6 (bundled, loaded with the deploy page only) with YAML
// highlighting and a linter: the YAML parser's errors, and the server's
// error for the line it names, appear on that line.
import { useEffect, useRef } from 'react';
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, Decoration, type DecorationSet } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { syntaxHighlighting, defaultHighlightStyle, indentOnInput } from '@codemirror/language';
import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { parseAllDocuments } from 'yaml';

/** YAML syntax errors with 1-based line numbers. */
export function yamlProblems(text: string): { line: number; message: string }[] {
  const out: { line: number; message: string }[] = [];
  for (const doc of parseAllDocuments(text)) {
    for (const e of doc.errors) out.push({ line: e.linePos?.[0]?.line ?? 1, message: e.message.split('\n')[0] });
  }
  return out;
}

const yamlLinter = linter((view) => {
  const text = view.state.doc.toString();
  const diags: Diagnostic[] = [];
  for (const doc of parseAllDocuments(text)) {
    for (const e of doc.errors) {
      const from = Math.min(e.pos[0], text.length);
      diags.push({ from, to: Math.min(Math.max(e.pos[1], from + 1), text.length), severity: 'error', message: e.message.split('\n')[0] });
    }
  }
  return diags;
});

const setMarked = StateEffect.define<number | null>();
const markedLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) {
      if (e.is(setMarked)) {
        if (e.value == null || e.value < 1 || e.value > tr.state.doc.lines) return Decoration.none;
        const line = tr.state.doc.line(e.value);
        return Decoration.set([Decoration.line({ class: 'cm-error-line', attributes: { 'data-error-line': String(e.value) } }).range(line.from)]);
      }
    }
    return deco.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

const theme = EditorView.theme({
  '&': { backgroundColor: 'var(--panel)', color: 'var(--fg)' },
  '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent) 8%, transparent)' },
  '.cm-error-line': { backgroundColor: 'var(--del-bg)' },
  '.cm-content': { caretColor: 'var(--fg)' },
});

export function YamlEditor({ value, onChange, errorLine, label, lint = true }: { value: string; onChange: (v: string) => void; errorLine?: number; label: string; lint?: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const change = useRef(onChange);
  change.current = onChange;
  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(), history(), indentOnInput(), highlightActiveLine(), syntaxHighlighting(defaultHighlightStyle), yaml(),
          // Templates hold {{ placeholders }} that are not YAML until rendered.
          ...(lint ? [lintGutter(), yamlLinter] : []), markedLine, theme,
          // Tab indents; Escape then Tab leaves the editor (CodeMirror's own escape hatch).
          keymap.of([indentWithTab, ...defaultKeymap, ...historyKeymap]),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((u) => u.docChanged && change.current(u.state.doc.toString())),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);
  useEffect(() => {
    view.current?.dispatch({ effects: setMarked.of(errorLine ?? null) });
  }, [errorLine]);
  return <div className="editor" ref={host} />;
}
