// Initial JavaScript of the built console: the scripts index.html loads
// (module entry and its modulepreloads), gzip level 9 and brotli. The
// budget is 300 KiB compressed; lazily loaded pages (the editor) are listed
// apart.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
const all = fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
const size = (f) => {
  const b = fs.readFileSync(path.join(dist, f));
  return { raw: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length, br: zlib.brotliCompressSync(b).length };
};
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
let total = { raw: 0, gzip: 0, br: 0 };
for (const f of initial) {
  const s = size(f);
  total = { raw: total.raw + s.raw, gzip: total.gzip + s.gzip, br: total.br + s.br };
  console.log(`initial  ${f}  ${kib(s.raw)} raw, ${kib(s.gzip)} gzip, ${kib(s.br)} brotli`);
}
for (const f of all.filter((f) => !initial.includes(f))) {
  const s = size(f);
  console.log(`lazy     ${f}  ${kib(s.raw)} raw, ${kib(s.gzip)} gzip, ${kib(s.br)} brotli`);
}
console.log(`initial JavaScript: ${kib(total.gzip)} gzip, ${kib(total.br)} brotli (budget 300 KiB)`);
if (total.gzip > 300 * 1024) {
  console.error('over the 300 KiB budget');
  process.exit(1);
}
