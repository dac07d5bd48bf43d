// After tsc: copies what the compiled code reads at run time (SQL migrations, Lua scripts,
// the dashboard's static files, the example plan) to the same places under dist/.
import { cpSync, existsSync } from 'node:fs';

const assets = ['schema/migrations', 'app/queue/lua', 'app/http/dashboard', 'seed/plans', 'app.yml'];
for (const dir of assets) {
  if (existsSync(dir)) cpSync(dir, `dist/${dir}`, { recursive: true, filter: (src) => !src.endsWith('.ts') });
}
