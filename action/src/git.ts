import type { ProcessRunner } from './processRunner.js';

class GitError extends Error {
  override name = 'GitError';
}

export interface GitOptions {
  runner: ProcessRunner;
  cwd: string;
  /** Environment for git; the token never goes into arguments or URLs. */
  env: NodeJS.ProcessEnv;
  /** Token for pushing over https to `serverUrl` (added as an http extraheader through GIT_CONFIG_* variables). */
  token?: string | undefined;
  serverUrl: string;
  identity: { name: string; email: string };
}

export interface Git {
  defaultBranch(): Promise<string>;
  /** The commit a remote branch points at, or '' when it does not exist. */
  remoteBranchSha(branch: string): Promise<string>;
  /** Fetches `base` and checks out `branch` starting from it; returns the base commit. */
  checkoutNewBranch(branch: string, base: string): Promise<string>;
  /**
   * Fetches `branch` and `base` and checks out `branch` as the remote has it (a feedback round
   * works on the task's existing branch; `base` is there for a rebase). Returns the branch's commit.
   */
  checkoutExistingBranch(branch: string, base: string): Promise<string>;
  /** True when the working tree has changes or commits were made since `baseSha`. */
  hasChanges(baseSha: string): Promise<boolean>;
  /** Commits whatever is uncommitted; returns the HEAD commit. */
  commitAll(message: string): Promise<string>;
  changedFiles(baseSha: string): Promise<string[]>;
  /** Pushes HEAD to `branch`, refusing to overwrite anything but `expectedSha` ('' = must not exist). */
  push(branch: string, expectedSha: string): Promise<void>;
}

export function createGit(opts: GitOptions): Git {
  let authEnv: Record<string, string> | undefined;

  async function raw(args: string[], env?: NodeJS.ProcessEnv) {
    return opts.runner.exec('git', args, {
      cwd: opts.cwd,
      env: { ...opts.env, GIT_TERMINAL_PROMPT: '0', ...env },
    });
  }

  async function git(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
    const res = await raw(args, env);
    if (res.code !== 0) {
      const detail = (res.stderr || res.stdout).trim().split('\n').slice(-5).join(' | ');
      throw new GitError(`git ${args[0]} failed (exit ${res.code}): ${detail}`);
    }
    return res.stdout;
  }

  /** Credentials for remote operations, unless the checkout already persisted its own. */
  async function remoteEnv(): Promise<Record<string, string>> {
    if (authEnv) return authEnv;
    authEnv = {};
    if (!opts.token) return authEnv;
    const url = (await raw(['remote', 'get-url', 'origin'])).stdout.trim();
    const server = opts.serverUrl.replace(/\/+$/, '');
    if (!url.startsWith(`${server}/`)) return authEnv;
    const persisted = await raw(['config', '--get-regexp', '^http\\..*\\.extraheader$']);
    if (persisted.code === 0 && persisted.stdout.trim() !== '') return authEnv;
    const basic = Buffer.from(`x-access-token:${opts.token}`).toString('base64');
    authEnv = {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `http.${server}/.extraheader`,
      GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}`,
    };
    return authEnv;
  }

  const identity = () => ['-c', `user.name=${opts.identity.name}`, '-c', `user.email=${opts.identity.email}`];

  return {
    async defaultBranch() {
      const out = await git(['ls-remote', '--symref', 'origin', 'HEAD'], await remoteEnv());
      const m = /^ref:\s+refs\/heads\/(\S+)\s+HEAD$/m.exec(out);
      if (!m?.[1]) throw new GitError('could not tell the default branch of origin (git ls-remote --symref origin HEAD)');
      return m[1];
    },

    async remoteBranchSha(branch) {
      const out = await git(['ls-remote', 'origin', `refs/heads/${branch}`], await remoteEnv());
      return out.trim().split(/\s+/)[0] ?? '';
    },

    async checkoutNewBranch(branch, base) {
      await git(['fetch', '--no-tags', 'origin', `+refs/heads/${base}:refs/remotes/origin/${base}`], await remoteEnv());
      await git(['checkout', '-B', branch, `refs/remotes/origin/${base}`]);
      return (await git(['rev-parse', 'HEAD'])).trim();
    },

    async checkoutExistingBranch(branch, base) {
      await git(
        ['fetch', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`, `+refs/heads/${base}:refs/remotes/origin/${base}`],
        await remoteEnv(),
      );
      await git(['checkout', '-B', branch, `refs/remotes/origin/${branch}`]);
      return (await git(['rev-parse', 'HEAD'])).trim();
    },

    async hasChanges(baseSha) {
      if ((await git(['status', '--porcelain', '--untracked-files=all'])).trim() !== '') return true;
      return (await git(['rev-parse', 'HEAD'])).trim() !== baseSha;
    },

    async commitAll(message) {
      await git(['add', '-A']);
      const staged = await raw(['diff', '--cached', '--quiet']);
      if (staged.code === 1) {
        const hasIdentity = (await raw(['config', 'user.email'])).stdout.trim() !== '';
        // Local hooks are skipped: the pull request's checks are what judge the change.
        await git([...(hasIdentity ? [] : identity()), 'commit', '--no-verify', '-q', '-m', message]);
      } else if (staged.code !== 0) {
        throw new GitError(`git diff --cached failed: ${staged.stderr.trim()}`);
      }
      return (await git(['rev-parse', 'HEAD'])).trim();
    },

    async changedFiles(baseSha) {
      const out = await git(['diff', '--name-only', `${baseSha}..HEAD`]);
      return out.split('\n').filter(Boolean);
    },

    async push(branch, expectedSha) {
      await git(
        ['push', '--porcelain', `--force-with-lease=refs/heads/${branch}:${expectedSha}`, 'origin', `HEAD:refs/heads/${branch}`],
        await remoteEnv(),
      );
    },
  };
}
