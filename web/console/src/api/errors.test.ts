import { describe, expect, it } from 'vitest';
import { ApiError, manifestErrorLine } from './errors';

const bad = (message: string, ext: Record<string, unknown> = {}) => new ApiError([{ message, extensions: { code: 'BAD_USER_INPUT', field: 'manifest', ...ext } }]);

describe('manifest error lines', () => {
  const text = 'a: 1\n---\nb: 2\nc: [\n---\nd: 4\n';
  it('counts a document-relative line from the start of the whole text', () => {
    // The server parses documents one by one: "document 2 ... line 2" is
    // the text's line 4.
    expect(manifestErrorLine(bad('document 2 is not valid YAML or JSON: yaml: line 2: did not find expected node content'), text)).toBe(4);
    expect(manifestErrorLine(bad('document 1 is not valid YAML or JSON: yaml: line 1: mapping values are not allowed'), text)).toBe(1);
  });
  it('prefers the line the server names in extensions (template errors)', () => {
    expect(manifestErrorLine(bad('template error', { line: 7 }), text)).toBe(7);
  });
  it('has no line for an error that names none', () => {
    expect(manifestErrorLine(bad('the manifest is empty'), text)).toBeUndefined();
  });
});

describe('ApiError', () => {
  it('keeps code, field and request id, and groups messages by field', () => {
    const e = new ApiError([
      { message: 'name is taken', extensions: { code: 'CONFLICT', field: 'name' } },
      { message: 'code is too short', extensions: { code: 'BAD_USER_INPUT', field: 'code' } },
    ]);
    expect([e.code, e.field]).toEqual(['CONFLICT', 'name']);
    expect(e.byField()).toEqual({ name: 'name is taken', code: 'code is too short' });
    expect(new ApiError([{ message: 'internal error', extensions: { code: 'INTERNAL', requestId: 'r-1' } }]).requestId).toBe('r-1');
  });
});
