// Typed API errors: what the GraphQL answer's extensions say, kept so each
// page can show an error where it happened (a field, a YAML line, a request id).

export interface GraphQLErrorShape {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

export class ApiError extends Error {
  readonly code: string;
  readonly field?: string;
  readonly line?: number;
  readonly requestId?: string;
  readonly errors: GraphQLErrorShape[];

  constructor(errors: GraphQLErrorShape[], fallbackCode = 'INTERNAL') {
    const first = errors[0] ?? { message: 'request failed' };
    super(first.message);
    this.name = 'ApiError';
    this.errors = errors;
    const ext = first.extensions ?? {};
    this.code = typeof ext.code === 'string' ? ext.code : fallbackCode;
    if (typeof ext.field === 'string') this.field = ext.field;
    if (typeof ext.line === 'number') this.line = ext.line;
    if (typeof ext.requestId === 'string') this.requestId = ext.requestId;
  }

  /** Messages of BAD_USER_INPUT errors by input field ("" for no field). */
  byField(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) {
      const f = typeof e.extensions?.field === 'string' ? (e.extensions.field as string) : '';
      out[f] = out[f] ? `${out[f]}; ${e.message}` : e.message;
    }
    return out;
  }
}

/** The line a manifest error points at, counted in the whole text. */
export function manifestErrorLine(err: ApiError | Error, text: string): number | undefined {
  if (err instanceof ApiError && err.line) return err.line;
  const m = /document (\d+)[^]*?line (\d+)/.exec(err.message);
  if (!m) {
    const l = /line (\d+)/.exec(err.message);
    return l ? Number(l[1]) : undefined;
  }
  const doc = Number(m[1]);
  const line = Number(m[2]);
  // Documents are separated by lines of "---"; find where document `doc` starts.
  const lines = text.split('\n');
  let seen = lines[0]?.trim() === '---' ? 0 : 1;
  let start = lines[0]?.trim() === '---' ? 1 : 0;
  for (let i = 0; i < lines.length && seen < doc; i++) {
    if (lines[i].trim() === '---') {
      seen++;
      start = i + 1;
    }
  }
  return start + line;
}
