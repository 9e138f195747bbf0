// Bundles the pages into the folder given as the first argument (the server's wwwroot).
// Everything the pages load comes from there: no CDN at run time.
// Source maps only with --sourcemap (Debug builds): a published server must not hand out its sources.
import { build } from 'esbuild';
import { copyFile, cp, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

const out = path.resolve(process.argv[2] ?? '../wwwroot');
const sourcemap = process.argv.includes('--sourcemap');
await mkdir(out, { recursive: true });
if (!sourcemap) {
  for (const name of await readdir(out)) {
    if (name.endsWith('.map')) await rm(path.join(out, name));
  }
}
await build({
  entryPoints: { control: 'src/control.js', guard: 'src/guard.js', rules: 'src/rules.js' },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: sourcemap ? 'linked' : false,
  outdir: out,
  loader: { '.png': 'file', '.svg': 'file' },
  assetNames: 'assets/[name]-[hash]',
  logLevel: 'warning',
});
// The guard app's service worker: a classic script at the root, so that its scope can be /guard.
await build({
  entryPoints: { 'guard-sw': 'src/guard-sw.js' },
  bundle: true,
  format: 'iife',
  target: 'es2022',
  minify: true,
  sourcemap: sourcemap ? 'linked' : false,
  outdir: out,
  logLevel: 'warning',
});
await copyFile('src/index.html', path.join(out, 'index.html'));
await copyFile('src/guard.webmanifest', path.join(out, 'guard.webmanifest'));
await copyFile('src/guard.en.webmanifest', path.join(out, 'guard.en.webmanifest'));
await cp('src/icons', path.join(out, 'icons'), { recursive: true });
await copyFile('src/guard.html', path.join(out, 'guard.html'));
await copyFile('src/rules.html', path.join(out, 'rules.html'));
console.log(`web UI bundled into ${out}`);
