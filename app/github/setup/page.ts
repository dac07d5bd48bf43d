/**
 * The /setup page. It holds no data and no secret, so it is served without a token; the admin
 * token is typed into it (or reused from the dashboard's tab storage) and sent only as a bearer
 * header to POST /setup/start, never in a URL. Script in its own file: the CSP allows no inline script.
 */

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function setupPage(o: { org: string | null; running: boolean; githubOrigin: string }): string {
  const where = o.org ? `the organization <b>${escapeHtml(o.org)}</b>` : 'your GitHub account';
  const body = o.running
    ? `<p data-testid="setup-done">A GitHub App is already configured on this orchestrator. To register another, remove its credentials (<code>github-app.json</code> in FLEET_DATA_DIR, or APP_ID and friends) and restart.</p>`
    : `<p>Registers the fleet-orchestrator GitHub App on ${where} at <code>${escapeHtml(o.githubOrigin)}</code> from this server's manifest (app.yml),
  with its webhook pointing here. GitHub then sends you back to install it.</p>
  <form id="token-form" autocomplete="off">
    <label>Admin token <input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="FLEET_ADMIN_TOKEN or the admin-token file"></label>
    <button type="submit">continue</button>
  </form>
  <p id="status" role="status" data-testid="setup-status"></p>
  <form id="register" method="post" hidden>
    <input type="hidden" name="manifest" id="manifest">
    <dl>
      <dt>webhook URL</dt><dd id="hook-url" data-testid="hook-url"></dd>
      <dt>return URL</dt><dd id="redirect-url"></dd>
    </dl>
    <button type="submit" id="register-button" data-testid="register">Register the GitHub App on GitHub</button>
  </form>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>fleet · register the GitHub App</title>
  <link rel="stylesheet" href="/dashboard/style.css">
  <script type="module" src="/setup/setup.js"></script>
</head>
<body data-org="${escapeHtml(o.org ?? '')}">
  <main class="setup">
  <h1>Register the GitHub App</h1>
  ${body}
  </main>
</body>
</html>
`;
}

export const SETUP_SCRIPT = `// /setup: ask for the admin token, get a one-time registration from the server, post it to GitHub.
const $ = (id) => document.getElementById(id);
const status = (text) => { const s = $('status'); if (s) s.textContent = text; };

async function start(token) {
  const org = document.body.dataset.org || undefined;
  const res = await fetch('/setup/start', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
    body: JSON.stringify(org ? { org } : {}),
  });
  const out = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 || res.status === 403) sessionStorage.removeItem('fleet.token');
    status((out.error && out.error.message) || 'the server refused (' + res.status + ')');
    return;
  }
  sessionStorage.setItem('fleet.token', token);
  const form = $('register');
  form.action = out.action;
  $('manifest').value = out.manifest;
  $('hook-url').textContent = out.hook_url;
  $('redirect-url').textContent = out.redirect_url;
  form.hidden = false;
  $('token-form').hidden = true;
  status('Ready: the button below sends the manifest to GitHub (the offer is valid for ' + Math.round(out.expires_in / 60) + ' minutes).');
}

const tokenForm = $('token-form');
if (tokenForm) {
  tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    if (token) void start(token);
  });
  // Reuse the token the dashboard keeps for this tab.
  const saved = sessionStorage.getItem('fleet.token');
  if (saved) void start(saved);
}
`;
