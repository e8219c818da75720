import { describe, expect, it } from 'vitest';
import { decode, encodeCloseStdin, encodeResize, encodeStdin, execProtocols, execURL, logURL } from './channel';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('v5.channel.k8s.io framing', () => {
  it('puts stdin on channel 0, bytes unchanged', () => {
    expect(Array.from(encodeStdin('ls\r'))).toEqual([0, 0x6c, 0x73, 0x0d]);
    expect(Array.from(encodeStdin('é'))).toEqual([0, 0xc3, 0xa9]);
    expect(Array.from(encodeStdin(new Uint8Array([0x1b, 0x5b])))).toEqual([0, 0x1b, 0x5b]);
  });

  it('puts the terminal size on channel 4 as the API server reads it', () => {
    const f = encodeResize(120.7, 40);
    expect(f[0]).toBe(4);
    expect(JSON.parse(text(f.subarray(1)))).toEqual({ Width: 120, Height: 40 });
    expect(JSON.parse(text(encodeResize(0, -3).subarray(1)))).toEqual({ Width: 1, Height: 1 });
  });

  it('closes stdin with channel 255', () => {
    expect(Array.from(encodeCloseStdin())).toEqual([255, 0]);
  });

  it('decodes stdout and stderr by their channel', () => {
    const out = decode(new Uint8Array([1, ...bytes('hi\n')]));
    expect(out.kind === 'output' && out.channel === 1 && text(out.data)).toBe('hi\n');
    const err = decode(new Uint8Array([2, ...bytes('oops')]).buffer);
    expect(err.kind === 'output' && err.channel === 2 && text(err.data)).toBe('oops');
  });

  it('decodes the final status: success, a failure with its exit code, garbage', () => {
    expect(decode(new Uint8Array([3, ...bytes('{"metadata":{},"status":"Success"}')]))).toEqual({ kind: 'status', success: true, message: 'Success', exitCode: 0 });
    const fail = '{"status":"Failure","message":"command terminated with non-zero exit code","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"127"}]}}';
    expect(decode(new Uint8Array([3, ...bytes(fail)]))).toEqual({ kind: 'status', success: false, message: 'command terminated with non-zero exit code', exitCode: 127 });
    expect(decode(new Uint8Array([3, ...bytes('{nope')]))).toMatchObject({ kind: 'status', success: false });
  });

  it('ignores empty messages, stdin echoes and unknown channels', () => {
    expect(decode(new Uint8Array([]))).toEqual({ kind: 'ignored' });
    expect(decode(new Uint8Array([0, 1]))).toEqual({ kind: 'ignored' });
    expect(decode(new Uint8Array([9, 1]))).toEqual({ kind: 'ignored' });
  });
});

describe('proxy URLs', () => {
  it('opens a TTY shell on the chosen container, over wss from https', () => {
    const u = new URL(execURL('https://bcs.example', 'c1', 'default', 'web-0', 'app'));
    expect(u.protocol).toBe('wss:');
    expect(u.pathname).toBe('/clusters/c1/k8s/api/v1/namespaces/default/pods/web-0/exec');
    expect(Object.fromEntries(u.searchParams)).toEqual({ command: 'sh', stdin: 'true', stdout: 'true', stderr: 'true', tty: 'true', container: 'app' });
    expect(execURL('http://x', 'c', 'n', 'p')).toMatch(/^ws:\/\/x\//);
  });

  it('escapes path segments', () => {
    expect(execURL('http://x', 'c/../1', 'n', 'p')).toContain('/clusters/c%2F..%2F1/k8s/');
  });

  it('follows the last 500 lines', () => {
    expect(logURL('c', 'n', 'p', 'side')).toBe('/clusters/c/k8s/api/v1/namespaces/n/pods/p/log?follow=true&tailLines=500&container=side');
  });

  it('offers the CSRF token as a subprotocol entry beside the exec protocol', () => {
    expect(execProtocols('abc_-1')).toEqual(['v5.channel.k8s.io', 'bcs.csrf.abc_-1']);
    expect(execProtocols('')).toEqual(['v5.channel.k8s.io']);
  });
});
