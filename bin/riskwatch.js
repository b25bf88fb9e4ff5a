#!/usr/bin/env node
// The `riskwatch` CLI: registers the TypeScript loader, then runs app/main.ts.
import { register } from 'tsx/esm/api';
register();
await import('../app/main.ts');
