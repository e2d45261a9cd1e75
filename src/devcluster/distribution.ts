/**
 * What a local Elasticsearch node needs before it can start: a Java 17+ runtime, the Elasticsearch
 * distribution (the `integ-test-zip` artifact from Maven Central, fetched once into `~/.m2` with Maven
 * and unpacked once into a cache folder), and — when we run as root, as CI does — an unprivileged user
 * to run it as (Elasticsearch refuses to run as root).
 *
 * Every missing prerequisite is an `EsPrerequisiteError` whose message says what is missing and how
 * to get it; callers (the `npm run es` script, the test harness) print it as is.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Elasticsearch version we run: the newest 8.x that starts on the machine's Java 17. */
export const ES_VERSION = '8.19.7';
/** The Maven coordinates of its distribution (no bundled JDK; only the core modules and x-pack security). */
export const ES_ARTIFACT = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip`;
/** The system user the nodes run as when we are root. */
export const ES_USER = 'verbatim-es';
/** The oldest Java major version Elasticsearch 8 runs on. */
const MIN_JAVA = 17;

/** Why the cluster cannot run here: `kind` for callers that branch, a message that says what to do. */
export class EsPrerequisiteError extends Error {
  override name = 'EsPrerequisiteError';
  constructor(
    readonly kind: 'no-java' | 'no-distribution' | 'no-user' | 'data-dir',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The folder that holds the unpacked distribution: `/var/cache/verbatim` as root (the unprivileged
 * user cannot enter `/root`), else `$XDG_CACHE_HOME/verbatim` or `~/.cache/verbatim`.
 *
 * @example
 * defaultCacheRoot() // '/var/cache/verbatim' when root
 */
export function defaultCacheRoot(): string {
  if (isRoot()) return '/var/cache/verbatim';
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'verbatim');
}

/** True when this process runs as root (so the nodes must run as `ES_USER`). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * The Java home to give Elasticsearch as `ES_JAVA_HOME`: `ES_JAVA_HOME`, else `JAVA_HOME`, else the
 * `java` on the PATH; it must be Java 17 or newer.
 *
 * @example
 * const javaHome = await resolveJavaHome(); // '/usr/lib/jvm/java-17-openjdk-amd64'
 */
export async function resolveJavaHome(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const candidates: { home: string; from: string }[] = [];
  if (env.ES_JAVA_HOME) candidates.push({ home: env.ES_JAVA_HOME, from: 'ES_JAVA_HOME' });
  else if (env.JAVA_HOME) candidates.push({ home: env.JAVA_HOME, from: 'JAVA_HOME' });
  else {
    const onPath = findOnPath('java', env.PATH ?? '');
    // /usr/bin/java is a chain of links to <home>/bin/java.
    if (onPath) candidates.push({ home: path.dirname(path.dirname(fs.realpathSync(onPath))), from: 'the java on the PATH' });
  }
  const hint = `Elasticsearch needs Java ${MIN_JAVA} or newer: install it (e.g. apt-get install openjdk-17-jre-headless) or set ES_JAVA_HOME to a Java ${MIN_JAVA}+ home.`;
  if (candidates.length === 0) throw new EsPrerequisiteError('no-java', `No Java found (no ES_JAVA_HOME, no JAVA_HOME, no java on the PATH). ${hint}`);
  const { home, from } = candidates[0]!;
  const java = path.join(home, 'bin', 'java');
  let version: number;
  try {
    // `java -version` writes to stderr: openjdk version "17.0.15" 2025-04-15
    const { stderr } = await run(java, ['-version']);
    const m = /version "(\d+)(?:\.(\d+))?/.exec(stderr);
    version = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  } catch (e) {
    throw new EsPrerequisiteError('no-java', `Java from ${from} (${java}) does not run (${(e as Error).message.split('\n')[0]}). ${hint}`);
  }
  if (!(version >= MIN_JAVA)) throw new EsPrerequisiteError('no-java', `Java from ${from} (${home}) is version ${version || 'unknown'}. ${hint}`);
  return home;
}

/**
 * The distribution zip in the local Maven repository, fetched with `mvn dependency:get` if it is
 * not there yet (about 92 MB from Maven Central, once per machine).
 *
 * @example
 * const zip = await ensureDistributionZip(); // ~/.m2/repository/org/elasticsearch/…/elasticsearch-8.19.7.zip
 */
export async function ensureDistributionZip(m2Repo = path.join(os.homedir(), '.m2', 'repository')): Promise<string> {
  const zip = path.join(m2Repo, 'org/elasticsearch/distribution/integ-test-zip/elasticsearch', ES_VERSION, `elasticsearch-${ES_VERSION}.zip`);
  if (fs.existsSync(zip)) return zip;
  const mvn = findOnPath('mvn', process.env.PATH ?? '');
  if (!mvn) {
    throw new EsPrerequisiteError(
      'no-distribution',
      `The Elasticsearch ${ES_VERSION} distribution is not in ${m2Repo} and Maven (mvn) is not installed to fetch it: install maven, or run on a machine that has ${ES_ARTIFACT} in its Maven repository.`,
    );
  }
  try {
    await run(mvn, ['-q', '-B', 'dependency:get', `-Dartifact=${ES_ARTIFACT}`, '-Dtransitive=false', `-Dmaven.repo.local=${m2Repo}`], {
      timeout: 15 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    const out = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
    throw new EsPrerequisiteError(
      'no-distribution',
      `Maven could not fetch ${ES_ARTIFACT} (no network to Maven Central?). Its last lines:\n${out || (e as Error).message}`,
    );
  }
  if (!fs.existsSync(zip)) throw new EsPrerequisiteError('no-distribution', `Maven reported success but ${zip} is missing.`);
  return zip;
}

/**
 * The unpacked distribution (`<cacheRoot>/elasticsearch-<version>`), unzipped once. Readable by
 * everyone, so the unprivileged user can run it; each node gets its own config folder, so nothing here
 * is ever written. Concurrent callers are safe: each unzips into its own folder and renames it into place.
 *
 * @example
 * const esHome = await ensureDistribution(); // '/var/cache/verbatim/elasticsearch-8.19.7'
 */
export async function ensureDistribution(cacheRoot = defaultCacheRoot()): Promise<string> {
  const home = path.join(cacheRoot, `elasticsearch-${ES_VERSION}`);
  if (fs.existsSync(path.join(home, 'bin', 'elasticsearch'))) return home;
  const zip = await ensureDistributionZip();
  if (!findOnPath('unzip', process.env.PATH ?? '')) {
    throw new EsPrerequisiteError('no-distribution', `unzip is needed to unpack ${zip} (apt-get install unzip).`);
  }
  fs.mkdirSync(cacheRoot, { recursive: true, mode: 0o755 });
  const staging = fs.mkdtempSync(path.join(cacheRoot, `.unpack-${ES_VERSION}-`));
  try {
    await run('unzip', ['-q', zip, '-d', staging], { maxBuffer: 16 * 1024 * 1024 });
    // The zip's config files are 660: world-readable like the rest so another user can copy them.
    await run('chmod', ['-R', 'a+rX', staging]);
    fs.chmodSync(staging, 0o755);
    try {
      fs.renameSync(path.join(staging, `elasticsearch-${ES_VERSION}`), home);
    } catch (e) {
      // Another process unpacked it first: use theirs.
      if (!fs.existsSync(path.join(home, 'bin', 'elasticsearch'))) throw e;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return home;
}

/** The user and group ids the nodes run as: ours, or `ES_USER`'s (created if missing) when root. */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/**
 * Who runs the nodes. As root: the system user `verbatim-es`, created with `useradd --system` the
 * first time. Otherwise: ourselves.
 *
 * @example
 * const who = await ensureRunAs(); // { uid: 999, gid: 995, name: 'verbatim-es' } as root
 */
export async function ensureRunAs(): Promise<RunAs> {
  if (!isRoot()) return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, name: os.userInfo().username };
  const ids = async (): Promise<RunAs | undefined> => {
    try {
      const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', ES_USER]), run('id', ['-g', ES_USER])]);
      return { uid: Number(uid.trim()), gid: Number(gid.trim()), name: ES_USER };
    } catch {
      return undefined;
    }
  };
  const existing = await ids();
  if (existing) return existing;
  try {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', ES_USER]);
  } catch (e) {
    // Exit 9: created meanwhile by a concurrent start; anything else is a real failure.
    if ((e as { code?: number }).code !== 9) {
      throw new EsPrerequisiteError('no-user', `Elasticsearch refuses to run as root and the user ${ES_USER} could not be created (useradd: ${(e as Error).message.split('\n')[0]}).`);
    }
  }
  const created = await ids();
  if (!created) throw new EsPrerequisiteError('no-user', `The user ${ES_USER} was created but cannot be looked up.`);
  return created;
}

/**
 * Refuses a data folder the unprivileged user could not reach (a parent such as `/root` that others
 * may not enter), with the fix, before a node fails with a less clear message.
 *
 * @example
 * assertReachable('/root/es-data', who); // throws: choose a folder outside /root
 */
export function assertReachable(dir: string, who: RunAs): void {
  if (!isRoot()) return;
  const ancestors: string[] = [];
  for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
    ancestors.push(d);
    if (d === path.dirname(d)) break;
  }
  for (const d of ancestors) {
    let st: fs.Stats;
    try {
      st = fs.statSync(d);
    } catch {
      continue; // created later, by us, with open permissions
    }
    const enterable = st.uid === who.uid ? st.mode & 0o100 : st.gid === who.gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!enterable) {
      throw new EsPrerequisiteError(
        'data-dir',
        `The Elasticsearch data folder ${dir} is inside ${d}, which the user ${who.name} (Elasticsearch refuses to run as root) cannot enter: choose a folder elsewhere (e.g. under /tmp, /var/cache or the repository).`,
      );
    }
  }
}

/** The first executable `name` on `searchPath`, or undefined. */
function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
