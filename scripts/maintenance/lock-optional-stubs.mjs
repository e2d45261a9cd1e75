#!/usr/bin/env node
// Our npm registry mirror serves only the platform packages this (linux-x64) machine can use, so npm
// leaves the other platforms' optional packages (@rollup/rollup-darwin-arm64, @esbuild/win32-x64, …) out of
// package-lock.json, and `npm ci` then refuses the lock file as "out of sync". This adds, for every
// optional dependency missing from the lock, an entry naming its version and platform (parsed from its
// name), marked optional, so `npm ci` sees a complete lock and skips those packages on this platform.
// Run after `npm install` whenever dependencies change: node scripts/maintenance/lock-optional-stubs.mjs
import fs from 'node:fs';

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const OS = ['android', 'darwin', 'freebsd', 'linux', 'win32', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 'riscv64', 's390x', 'loong64', 'mips64el', 'wasm32'];
let added = 0;
for (const [where, pkg] of Object.entries(lock.packages)) {
  for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    const nested = `${where ? where + '/' : ''}node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[top]) continue;
    const parts = name.split(/[/-]/);
    const os = OS.find((o) => parts.includes(o) || (o === 'win32' && parts.includes('win32')));
    const cpu = CPU.find((c) => parts.includes(c)) ?? (parts.includes('eabi') || parts.includes('gnueabihf') ? 'arm' : undefined);
    const entry = { version: String(range).replace(/^[\^~=]/, ''), dev: pkg.dev || undefined, optional: true };
    if (os) entry.os = [os];
    if (cpu) entry.cpu = [cpu];
    lock.packages[top] = entry;
    added++;
  }
}
fs.writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} optional platform entries to package-lock.json`);
