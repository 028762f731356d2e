// Builds a tiny runnable container image from Debian's busybox-static with `docker import`: the
// machines netform is tested on have no image registry. Used by scripts/demo.sh and the tests.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Builds `tag` unless the engine already has it. Returns true when it built it. */
export function ensureBusyboxImage(tag) {
  try {
    execFileSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' });
    return false;
  } catch {
    // not built yet
  }
  const dir = mkdtempSync(join(tmpdir(), 'netform-image-'));
  try {
    const root = join(dir, 'rootfs');
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
    for (const tool of ['sh', 'sleep', 'ip', 'ping', 'cat', 'nslookup', 'ls']) {
      symlinkSync('busybox', join(root, 'bin', tool));
    }
    execFileSync('tar', ['-C', root, '-cf', join(dir, 'rootfs.tar'), '.']);
    execFileSync(
      'docker',
      ['import', '--change', 'CMD ["/bin/sleep","3600"]', join(dir, 'rootfs.tar'), tag],
      {
        stdio: 'ignore',
      },
    );
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node scripts/busybox-image.mjs TAG` builds TAG.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const tag = process.argv[2];
  if (!tag) {
    console.error('usage: node scripts/busybox-image.mjs TAG');
    process.exit(2);
  }
  console.log(ensureBusyboxImage(tag) ? `built image ${tag}` : `image ${tag} exists`);
}
