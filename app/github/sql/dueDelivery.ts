/**
 * The condition "this delivery is due": unprocessed, attempts left ($1), and its retry time
 * reached at the processor's clock ($2, milliseconds). A fragment shared by the lane statements.
 */
export const DUE = `processed_at IS NULL AND attempts < $1 AND (next_attempt_at IS NULL OR next_attempt_at <= to_timestamp($2 / 1000.0))`;
