import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { resolveEngineAddress, type EngineAddress } from '../../src/docker/address.js';

/**
 * The engine the tests use, named as the docker CLI names it: DOCKER_HOST (unix:// or tcp://),
 * with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for TLS; unset means the local socket. Everything in
 * the engine tests reaches this engine, never /var/run/docker.sock behind DOCKER_HOST's back.
 */
export function testEngineAddress(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  return resolveEngineAddress(undefined, env);
}

/**
 * A raw byte stream to the test engine, for the harness pieces that sit between netform and the
 * engine (the fault proxy, the relays in observe's transport tests, the fixture recorder): a unix
 * socket, a tcp connection, or a TLS one with DOCKER_CERT_PATH's client certificate.
 *
 * An ssh:// engine cannot be relayed byte by byte without a login of our own; those pieces say
 * so, and the tests that only run the CLI (which speaks ssh itself) still reach it.
 */
export function dialEngine(address: EngineAddress = testEngineAddress()): Socket {
  switch (address.kind) {
    case 'unix':
      return netConnect(address.socketPath);
    case 'tcp':
      if (!address.tls) return netConnect(address.port, address.hostname);
      return tlsConnect({
        host: address.hostname,
        port: address.port,
        ca: address.tls.ca,
        cert: address.tls.cert,
        key: address.tls.key,
        rejectUnauthorized: address.tls.verify,
        // The docker CLI checks the certificate against the address it dialled.
        servername: isIp(address.hostname) ? undefined : address.hostname,
      });
    case 'ssh':
      throw new Error(
        `the test harness relays raw connections to the engine, which it cannot do over ${address.display}: ` +
          'point DOCKER_HOST at the engine by unix:// or tcp:// (with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for TLS)',
      );
  }
}

const isIp = (host: string): boolean => /^[\d.]+$/.test(host) || host.includes(':');
