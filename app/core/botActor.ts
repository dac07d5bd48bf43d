/**
 * Bots and Apps never trigger commands or feedback: their text is produced by automation that
 * may be echoing what someone else wrote (and this App's own comments quote commands back).
 * Pure: the webhook's actor fields in, a yes/no out. A missing field never makes an actor a bot.
 */

export interface ActorFields {
  login?: string | null;
  type?: string | null;
  id?: number | null;
}

export interface AppFields {
  id?: number | string | null;
  slug?: string | null;
}

/** The parts of a webhook payload that say who acted. */
export interface ActorEvidence {
  /** The comment's or review's author (`comment.user`, `review.user`). */
  user?: ActorFields | null;
  /** The webhook's `sender`. */
  sender?: ActorFields | null;
  /** `comment.performed_via_github_app` (or the issue's): the App the action went through. */
  performed_via_github_app?: AppFields | null;
}

/** This App, as far as it is known (its numeric id, and its slug for the `<slug>[bot]` login). */
export interface OwnApp {
  id?: number | string | null;
  slug?: string | null;
}

function botLike(a: ActorFields | null | undefined, own: OwnApp): boolean {
  if (!a) return false;
  if (typeof a.type === 'string' && a.type.toLowerCase() === 'bot') return true;
  const login = typeof a.login === 'string' ? a.login.toLowerCase() : '';
  if (login.endsWith('[bot]')) return true;
  return !!own.slug && login === own.slug.toLowerCase();
}

/**
 * True when the author or sender is a bot (type `Bot` or a login ending in `[bot]`), or the action
 * was performed through this App.
 */
export function isBotActor(e: ActorEvidence, own: OwnApp = {}): boolean {
  if (botLike(e.user, own) || botLike(e.sender, own)) return true;
  const via = e.performed_via_github_app;
  const ownId = own.id === null || own.id === undefined || own.id === '' ? null : String(own.id);
  if (via && ownId !== null && via.id !== null && via.id !== undefined && String(via.id) === ownId) return true;
  return !!via?.slug && !!own.slug && via.slug.toLowerCase() === own.slug.toLowerCase();
}
