#!/usr/bin/env node
/**
 * The `netform` executable: package.json `bin` is this file bundled into dist/netform.js by
 * scripts/bundle.mjs (docs/architecture.md, "Start-up").
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
