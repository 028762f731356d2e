// Builds the demo container image from Debian's busybox-static with `docker import`: the
// machines netform is tested on have no image registry.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEMO_IMAGE = 'netform-demo/busybox:1';

export function ensureDemoImage() {
  try {
    execFileSync('docker', ['image', 'inspect', DEMO_IMAGE], { stdio: 'ignore' });
    return;
  } catch {
    // not built yet
  }
  const dir = mkdtempSync(join(tmpdir(), 'netform-demo-'));
  try {
    const root = join(dir, 'rootfs');
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
    for (const tool of ['sh', 'sleep', 'ip', 'ping', 'cat', 'nslookup', 'ls']) symlinkSync('busybox', join(root, 'bin', tool));
    execFileSync('tar', ['-C', root, '-cf', join(dir, 'rootfs.tar'), '.']);
    execFileSync('docker', ['import', '--change', 'CMD ["/bin/sleep","infinity"]', join(dir, 'rootfs.tar'), DEMO_IMAGE], {
      stdio: 'ignore',
    });
    console.log(`built image ${DEMO_IMAGE}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
