/** The "now" the progress maths tests reason from, and a time that long before it. */
export const NOW = new Date('2025-06-01T12:00:00Z');
export const ago = (ms: number): Date => new Date(NOW.getTime() - ms);
