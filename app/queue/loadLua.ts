import { readFileSync } from 'node:fs';

const INCLUDE = /^--- @include "([A-Za-z0-9_]+)"$/gm;

/**
 * A Lua script from app/queue/lua, with each `--- @include "name"` line replaced by
 * lua/includes/<name>.lua (as bullmq does): Redis runs one self-contained script, and the rule the
 * scripts share (which ready sets a claimer may take from) is written once.
 */
export function loadLua(name: string): string {
  const text = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
  return text.replace(INCLUDE, (_line, inc: string) => readFileSync(new URL(`./lua/includes/${inc}.lua`, import.meta.url), 'utf8').trimEnd());
}
