import { PHASES, type PhaseName } from './peer.js';
import type { BenchResults } from './results.js';

const COLOURS: Record<string, string> = {
  'raw-1': '#7f7f7f',
  'raw-8': '#bcbd22',
  cli: '#1f77b4',
  ansible: '#d62728',
  netform: '#2ca02c',
};
const TITLES: Record<string, string> = {
  'raw-1': 'API floor ×1',
  'raw-8': 'API floor ×8',
  cli: 'docker CLI script',
  ansible: 'Ansible',
  netform: 'netform',
};

const PANEL_W = 330;
const PANEL_H = 230;
const MARGIN = { left: 52, right: 12, top: 28, bottom: 36 };

/** Points (N networks, median seconds) per peer for one phase; the latest run wins at each N. */
function series(runs: BenchResults[], phase: PhaseName): Map<string, [number, number][]> {
  const byPeer = new Map<string, Map<number, number>>();
  for (const run of [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    for (const [peer, slot] of Object.entries(run.phases[phase] ?? {})) {
      if (slot.medianMs === undefined) continue;
      const points = byPeer.get(peer) ?? new Map<number, number>();
      points.set(run.size.networks, slot.medianMs / 1000);
      byPeer.set(peer, points);
    }
  }
  return new Map([...byPeer].map(([peer, points]) => [peer, [...points].sort((a, b) => a[0] - b[0])]));
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * A hand-built SVG: one log-log panel per phase, median wall time against the number of networks,
 * a line per tool, from every result file in bench/results.
 */
export function renderChart(runs: BenchResults[]): string {
  const all = PHASES.map((phase) => series(runs, phase));
  const values = all.flatMap((m) => [...m.values()].flat());
  const xs = values.map(([x]) => x);
  const ys = values.map(([, y]) => y).filter((y) => y > 0);
  const xMin = Math.min(...xs, 10) / 1.3;
  const xMax = Math.max(...xs, 40) * 1.3;
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...ys, 0.1)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys, 1)));
  const plotW = PANEL_W - MARGIN.left - MARGIN.right;
  const plotH = PANEL_H - MARGIN.top - MARGIN.bottom;
  const sx = (x: number): number => MARGIN.left + (Math.log(x / xMin) / Math.log(xMax / xMin)) * plotW;
  const sy = (y: number): number => MARGIN.top + plotH - (Math.log(y / yMin) / Math.log(yMax / yMin)) * plotH;
  const xTicks = [...new Set(xs)].sort((a, b) => a - b);
  const yTicks: { y: number; label: string }[] = [];
  for (let e = Math.round(Math.log10(yMin)); e <= Math.round(Math.log10(yMax)); e++) {
    yTicks.push({ y: 10 ** e, label: e >= 0 ? String(10 ** e) : (10 ** e).toFixed(-e) });
  }

  const peers = [...new Set(all.flatMap((m) => [...m.keys()]))];
  const parts: string[] = [];
  const width = PANEL_W * 2;
  const legendH = 24;
  const height = PANEL_H * 2 + legendH + 34;
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">median wall time (s, log scale) against networks (log scale); sizes in bench/README.md</text>`,
  );
  PHASES.forEach((phase, index) => {
    const ox = (index % 2) * PANEL_W;
    const oy = 20 + Math.floor(index / 2) * PANEL_H;
    parts.push(`<g transform="translate(${ox},${oy})">`);
    parts.push(
      `<text x="${MARGIN.left + plotW / 2}" y="16" text-anchor="middle" font-weight="bold">${phase}</text>`,
    );
    parts.push(
      `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    );
    for (const { y, label } of yTicks) {
      parts.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#eee"/>`,
        `<text x="${MARGIN.left - 4}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${label}</text>`,
      );
    }
    for (const x of xTicks) {
      parts.push(
        `<line x1="${sx(x).toFixed(1)}" x2="${sx(x).toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#eee"/>`,
        `<text x="${sx(x).toFixed(1)}" y="${MARGIN.top + plotH + 14}" text-anchor="middle">${x}</text>`,
      );
    }
    parts.push(
      `<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH + 30}" text-anchor="middle">networks</text>`,
    );
    for (const [peer, points] of all[index]!) {
      const colour = COLOURS[peer] ?? '#000';
      const path = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      if (points.length > 1)
        parts.push(`<path d="${path.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
      for (const [x, y] of points) {
        parts.push(
          `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="${colour}"><title>${escape(
            `${TITLES[peer] ?? peer}: ${y.toFixed(2)} s at ${x} networks`,
          )}</title></circle>`,
        );
      }
    }
    parts.push('</g>');
  });
  const legendY = height - legendH + 6;
  peers.forEach((peer, i) => {
    const x = 20 + i * 130;
    parts.push(
      `<rect x="${x}" y="${legendY - 9}" width="12" height="12" fill="${COLOURS[peer] ?? '#000'}"/>`,
      `<text x="${x + 16}" y="${legendY + 1}">${escape(TITLES[peer] ?? peer)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
