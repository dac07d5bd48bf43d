/** What a claimer may take: its pool and its capability labels, optionally within one project. */
export interface ClaimFilter {
  pool: string;
  capabilities: string[];
  projectId?: number | undefined;
}
