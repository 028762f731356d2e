import { isAbsolute, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import pc from 'picocolors';
import type { Log as SarifLog, ReportingDescriptor as SarifRule, Result as SarifResult } from 'sarif';
import { printable } from '../core/printable.js';
import type { DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { CODES } from '../spec/codes.js';
import { NETFORM_VERSION } from '../version.js';

/** Bumped when the JSON shape below changes incompatibly (documented in docs/diagnostics.md). */
export const DIAGNOSTICS_FORMAT_VERSION = 1;

/** What a validation run found, as every reporter receives it. */
export interface DiagnosticReport {
  /** True when there is no error (warnings allowed). */
  valid: boolean;
  /** The spec files, in the order given. */
  files: string[];
  /** Errors and warnings together, in output order. */
  diagnostics: Diagnostic[];
  /** The engine checked against; absent with --offline or when the spec was invalid. */
  engine?: { host: string; version: string; apiVersion: string };
  /** The engines checked against, for a spec with engines: (then `engine` is absent). */
  engines?: { name: string; host: string; version: string; apiVersion: string }[];
  /** What the valid spec declares; `compose` when it was a Compose file (containers are its services). */
  spec?: SpecCounts;
}

/** What a valid spec declares, counted for validate's summary (text and JSON). */
export interface SpecCounts {
  project: string;
  networks: number;
  containers: number;
  /** Present when the spec has `selectors:`. */
  selectors?: number;
  /** Present when the spec has `services:` (Swarm services, docs/swarm.md). */
  services?: number;
  compose?: boolean;
}

/** The counts of a valid spec, the one place they are taken from it. */
export function specCounts(spec: DesiredState): SpecCounts {
  return {
    project: spec.project,
    networks: Object.keys(spec.networks).length,
    containers: Object.keys(spec.containers).length,
    ...(spec.selectors ? { selectors: Object.keys(spec.selectors).length } : {}),
    ...(spec.services ? { services: Object.keys(spec.services).length } : {}),
    ...(spec.compose ? { compose: true } : {}),
  };
}

export interface ReportOptions {
  color: boolean;
}

export type Reporter = (report: DiagnosticReport, options: ReportOptions) => string;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `2 errors, 1 warning`, or `no problems`. */
export function summaryLine(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (errors === 0 && warnings === 0) return 'no problems';
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

/** One diagnostic as the text reporter prints it (plus an indented hint line when there is one). */
export function formatDiagnostic(d: Diagnostic, color = false): string {
  const c = pc.createColors(color);
  const parts: string[] = [];
  // Messages carry values from the spec and the engine: escaped, never acted on (src/core/printable.ts).
  if (d.position) parts.push(c.bold(`${printable(d.position.file)}:${d.position.line}:${d.position.column}`));
  parts.push(d.severity === 'error' ? c.red('error') : c.yellow('warning'));
  parts.push(c.dim(d.code));
  parts.push(printable(d.path ? `${d.path}: ${d.message}` : d.message));
  const line = parts.join(' ');
  return d.hint ? `${line}\n  ${c.dim(printable(d.hint))}` : line;
}

const text: Reporter = (report, { color }) => {
  const c = pc.createColors(color);
  const lines = report.diagnostics.map((d) => formatDiagnostic(d, color));
  const summary = summaryLine(report.diagnostics);
  if (report.valid && report.spec) {
    const { project, networks, containers, selectors = 0, services, compose } = report.spec;
    const rules = selectors > 0 ? `, ${plural(selectors, 'selector')}` : '';
    const swarm = services !== undefined ? `, ${plural(services, 'service')}` : '';
    lines.push(
      `${c.green('valid')}: ${compose === true ? 'Compose project' : 'project'} ${printable(project)}, ${plural(networks, 'network')}, ${plural(containers, compose === true ? 'service' : 'container')}${swarm}${rules} (${summary})`,
    );
  } else {
    lines.push(report.valid ? summary : c.red(summary));
  }
  return `${lines.join('\n')}\n`;
};

/**
 * The documented, stable JSON shape (docs/diagnostics.md): positions flattened into file, line
 * and column; optional fields omitted rather than null.
 */
const json: Reporter = (report) => {
  const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
  const out = {
    format: 'netform-diagnostics',
    formatVersion: DIAGNOSTICS_FORMAT_VERSION,
    valid: report.valid,
    files: report.files,
    errorCount: errors,
    warningCount: report.diagnostics.length - errors,
    ...(report.spec ? { spec: report.spec } : {}),
    ...(report.engine ? { engine: report.engine } : {}),
    ...(report.engines ? { engines: report.engines } : {}),
    diagnostics: report.diagnostics.map((d) => ({
      severity: d.severity,
      code: d.code,
      path: d.path,
      message: d.message,
      ...(d.hint !== undefined ? { hint: d.hint } : {}),
      ...(d.position ? { file: d.position.file, line: d.position.line, column: d.position.column } : {}),
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
};

/** GitHub's workflow-command escaping: data escapes % CR LF; property values also : and ,. */
export function escapeGithubData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
export function escapeGithubProperty(value: string): string {
  return escapeGithubData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitHub Actions annotations: one `::error …::` or `::warning …::` line per diagnostic. */
const github: Reporter = (report) => {
  const lines = report.diagnostics.map((d) => {
    const properties: string[] = [];
    if (d.position) {
      properties.push(`file=${escapeGithubProperty(printable(d.position.file))}`);
      properties.push(`line=${d.position.line}`);
      properties.push(`col=${d.position.column}`);
    }
    properties.push(`title=${escapeGithubProperty(d.code)}`);
    const body = `${printable(`${d.path ? `${d.path}: ` : ''}${d.message}`)}${d.hint ? `\n${printable(d.hint)}` : ''}`;
    return `::${d.severity} ${properties.join(',')}::${escapeGithubData(body)}`;
  });
  lines.push(summaryLine(report.diagnostics));
  return `${lines.join('\n')}\n`;
};

/** Where SARIF readers find what a rule means. */
const DIAGNOSTICS_DOC = 'https://github.com/netform/netform/blob/main/docs/diagnostics.md';

/**
 * SARIF 2.1.0 (OASIS), as GitHub code scanning reads it: one run, a rule per code that occurs
 * (with its one-line meaning from the code registry), a result per diagnostic. A diagnostic
 * without a position (an engine-wide problem) is placed at line 1 of the first file, since code
 * scanning drops results without a location. File names are relative URIs as given (relative
 * to the repository root when run from there), absolute paths file: URIs.
 */
const sarif: Reporter = (report) => {
  const codes = [...new Set(report.diagnostics.map((d) => d.code))].sort();
  const meanings = new Map<string, string>(Object.values(CODES).map((c) => [c.code, c.meaning]));
  const rules: SarifRule[] = codes.map((code) => ({
    id: code,
    shortDescription: { text: meanings.get(code) ?? code },
    helpUri: `${DIAGNOSTICS_DOC}#${code.toLowerCase()}`,
  }));
  const firstFile = report.files[0];
  const results: SarifResult[] = report.diagnostics.map((d) => {
    const position =
      d.position ?? (firstFile === undefined ? undefined : { file: firstFile, line: 1, column: 1 });
    const text = `${d.path ? `${d.path}: ` : ''}${d.message}${d.hint ? ` (${d.hint})` : ''}`;
    return {
      ruleId: d.code,
      ruleIndex: codes.indexOf(d.code),
      level: d.severity === 'error' ? 'error' : 'warning',
      message: { text },
      ...(position
        ? {
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: sarifUri(position.file) },
                  region: { startLine: position.line, startColumn: position.column },
                },
              },
            ],
          }
        : {}),
    };
  });
  const log: SarifLog = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'netform', version: NETFORM_VERSION, informationUri: DIAGNOSTICS_DOC, rules },
        },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};

function sarifUri(file: string): string {
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return encodeURI(file.split(sep).join('/'));
}

/** Reporters by format name: `text`, `json`, `github` and `sarif` are peers. */
export const REPORTERS = { text, json, github, sarif } as const satisfies Record<string, Reporter>;
export type ReportFormat = keyof typeof REPORTERS;
export const REPORT_FORMATS = Object.keys(REPORTERS) as ReportFormat[];
