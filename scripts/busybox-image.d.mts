/** Builds `tag` from /bin/busybox with `docker import` unless the engine has it; true when built. */
export function ensureBusyboxImage(tag: string): boolean;
