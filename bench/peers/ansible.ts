import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../test/support/engine.js';
import { tail, timeChild } from '../measure.js';
import type { Peer, PhaseJob, PhaseRun } from '../peer.js';

/** Debian's ansible runs on Debian's python, whatever python3 is first on PATH. */
const PYTHON = '/usr/bin/python3';
export const ANSIBLE_INSTALL_HINT =
  'apt-get install -y ansible (Debian 12: ansible 7.7 with community.docker 3.4.7; its docker_network needs python3-requests, which the recommended packages bring)';

/**
 * The idiomatic playbook: one community.docker.docker_network task looped over the networks the
 * state wants (`connected` lists its containers, `appends: false` so others are disconnected),
 * then one looped over the networks to remove (`force: true` disconnects their containers). The
 * module takes no aliases: `connected` is a list of names, so every alias is lost, and the checker
 * says so.
 */
export function renderPlaybook(): string {
  return `- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: networks the state wants
      community.docker.docker_network:
        name: "{{ item.name }}"
        driver: bridge
        ipam_config:
          - subnet: "{{ item.subnet }}"
        labels: "{{ item.labels }}"
        connected: "{{ item.connected }}"
        appends: false
        state: present
      loop: "{{ present }}"
      loop_control:
        label: "{{ item.name }}"
    - name: networks to remove
      community.docker.docker_network:
        name: "{{ item }}"
        state: absent
        force: true
      loop: "{{ absent }}"
`;
}

export function playbookVars(job: PhaseJob): { present: unknown[]; absent: string[] } {
  const present = [...job.to.networks.values()].map((network) => ({
    name: network.name,
    subnet: network.subnet,
    labels: network.labels,
    connected: job.scenario.containers.filter((c) => job.to.attachments.get(c)?.has(network.name)),
  }));
  const absent = [...job.from.networks.keys()].filter((name) => !job.to.networks.has(name));
  return { present, absent };
}

export function ansiblePeer(): Peer {
  return {
    id: 'ansible',
    title: 'Ansible docker_network',
    floor: false,
    async unavailable() {
      const version = await run('ansible-playbook', ['--version']).catch(() => ({ code: 127, stdout: '' }));
      if (version.code !== 0) return `Ansible is not installed; to include it: ${ANSIBLE_INSTALL_HINT}`;
      const doc = await run('ansible-doc', ['-t', 'module', '-j', 'community.docker.docker_network']);
      if (doc.code !== 0 || !doc.stdout.includes('docker_network'))
        return `Ansible has no community.docker collection; ${ANSIBLE_INSTALL_HINT}`;
      const requests = await run(PYTHON, ['-c', 'import requests']);
      if (requests.code !== 0)
        return `docker_network needs python3-requests for ${PYTHON}: apt-get install -y python3-requests`;
      return undefined;
    },
    async run(job: PhaseJob): Promise<PhaseRun> {
      const playbook = join(job.workDir, 'ansible-playbook.yml');
      const vars = join(job.workDir, `ansible-${job.phase}.json`);
      await writeFile(playbook, renderPlaybook());
      await writeFile(vars, JSON.stringify(playbookVars(job)));
      const result = await timeChild(
        'ansible-playbook',
        ['-i', 'localhost,', '-e', `@${vars}`, '-e', `ansible_python_interpreter=${PYTHON}`, playbook],
        {
          env: {
            ...process.env,
            DOCKER_HOST: `unix://${job.socketPath}`,
            ANSIBLE_LOCALHOST_WARNING: 'false',
            ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
            ANSIBLE_NOCOLOR: '1',
          },
          timeFile: join(job.workDir, 'ansible.time'),
        },
      );
      return {
        wallMs: result.wallMs,
        maxRssKb: result.maxRssKb,
        cpuMs: result.cpuMs,
        error: result.code === 0 ? undefined : `exit ${result.code}: ${tail(result.stdout + result.stderr)}`,
      };
    },
  };
}
