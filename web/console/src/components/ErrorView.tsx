// Where a typed error is shown: its code decides the words; INTERNAL names
// the request id so an operator can find the server's log line.
import type { ApiError } from '../api/errors';

export function ErrorView({ error, field }: { error?: ApiError | Error; field?: string }) {
  if (!error) return null;
  const e = error as ApiError;
  if (field !== undefined) {
    const msg = e.byField?.()[field];
    return msg ? <p className="field-error" role="alert">{msg}</p> : null;
  }
  let text = e.message;
  if (e.code === 'INTERNAL') text = `Something failed on the server${e.requestId ? ` (request id ${e.requestId})` : ''}.`;
  if (e.code === 'FORBIDDEN') text = `Not allowed: ${e.message}`;
  if (e.code === 'NOT_FOUND') text = `Not found: ${e.message}`;
  return (
    <div className="alert" role="alert" data-code={e.code}>
      {text}
    </div>
  );
}

/** Errors not tied to one of the form's fields. */
export function FormError({ error, fields }: { error?: ApiError; fields: string[] }) {
  if (!error) return null;
  const unshown = error.errors.filter((x) => typeof x.extensions?.field !== 'string' || !fields.includes(x.extensions.field as string));
  if (!unshown.length) return null;
  return <ErrorView error={error} />;
}
