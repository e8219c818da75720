import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { ApiError } from '../api/errors';
import { ErrorView, FormError } from './ErrorView';

afterEach(cleanup);

describe('ErrorView', () => {
  it('shows an internal error with its request id, never the server text', () => {
    render(<ErrorView error={new ApiError([{ message: 'internal error', extensions: { code: 'INTERNAL', requestId: '8d5425264997ccd8' } }])} />);
    expect(screen.getByRole('alert').textContent).toBe('Something failed on the server (request id 8d5425264997ccd8).');
  });

  it('shows a field error under its field only', () => {
    const err = new ApiError([{ message: 'code "shop" is already taken', extensions: { code: 'CONFLICT', field: 'code' } }]);
    render(<><ErrorView error={err} field="name" /><ErrorView error={err} field="code" /><FormError error={err} fields={['name', 'code']} /></>);
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toEqual(['code "shop" is already taken']);
  });

  it('shows errors that name no field of the form once, for the form', () => {
    const err = new ApiError([{ message: 'not allowed', extensions: { code: 'FORBIDDEN' } }]);
    render(<FormError error={err} fields={['name']} />);
    expect(screen.getByRole('alert').textContent).toBe('Not allowed: not allowed');
  });
});
