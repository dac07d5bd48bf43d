import type { RouteModule } from './http/buildApi.js';

/** Route modules beyond the core API, mounted by `npm start`. */
export async function orchestratorRoutes(_env: NodeJS.ProcessEnv): Promise<RouteModule[]> {
  return [];
}
