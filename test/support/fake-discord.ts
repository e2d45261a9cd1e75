/**
 * A fake Discord for end-to-end tests: an HTTP server for the REST routes the bot uses and a WebSocket
 * gateway speaking protocol v10 (JSON, uncompressed), both on 127.0.0.1 and a random port. The real
 * discord.js client logs in to it through `DISCORD_API_URL` (`fake.apiUrl`); the gateway address then
 * comes from `GET /gateway/bot`, as with the real Discord.
 *
 * ```ts
 * const fake = await FakeDiscord.start();
 * const bot = await startBot({ config: testConfig(fake), engine });
 * const q = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} Who?` });
 * const reply = await fake.waitFor((r) => r.route === 'POST /channels/:channelId/messages' && r.body.message_reference?.message_id === q.id);
 * await bot.stop(); await fake.stop();
 * ```
 *
 * What it models:
 * - REST: `/gateway/bot`, `/users/@me`, `/applications/@me`, command registration (guild and global),
 *   interaction callbacks, webhook edits and follow-ups, channel messages, threads from messages,
 *   typing, channel fetches. Every request is recorded (`requests`, `waitFor`). Unknown routes answer
 *   404 and are printed loudly and kept in `unknownRoutes`. Authentication is checked (401 for a wrong
 *   token) except on interaction/webhook routes, which are authorised by their interaction token.
 * - Failures: `failNext(route, status, { retryAfter, times })` answers the next matching requests with
 *   a 429 (Retry-After header + body) or any other status.
 * - Gateway: HELLO, heartbeats/ACKs, IDENTIFY → READY (+ GUILD_CREATE for the shard's guilds),
 *   RESUME → replay of missed events + RESUMED, INVALID_SESSION for unknown sessions, sharding by
 *   `(guild_id >> 22) % shard_count` (DMs on shard 0), `closeSocket(code)` to drop connections.
 * - Events: `sendMessage`, `sendSlashCommand`, `sendAutocomplete`, `clickButton`. Messages the bot posts
 *   are dispatched back as MESSAGE_CREATE (as Discord does), so "ignore bots" is exercised for real.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

// ---------------------------------------------------------------------------------------------------
// Types

export interface FakeUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: null;
  bot?: boolean;
}

export interface FakeChannel {
  id: string;
  type: number;
  name?: string;
  guild_id?: string;
  parent_id?: string | null;
  owner_id?: string;
  recipients?: FakeUser[];
  [key: string]: unknown;
}

export interface FakeGuild {
  id: string;
  name: string;
  channels: FakeChannel[];
}

/** One REST request the bot made, with the fake's answer. */
export interface RecordedRequest {
  /** Position in `requests`. */
  index: number;
  method: string;
  /** Path without `/api/v10`, e.g. `/channels/123/messages`. */
  path: string;
  /** `METHOD /pattern`, e.g. `POST /channels/:channelId/messages`, or `UNKNOWN`. */
  route: string;
  params: Record<string, string>;
  query: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  authorization: string | undefined;
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  response: any;
  at: number;
}

/** One gateway frame, in either direction. */
export interface GatewayFrame {
  dir: 'in' | 'out';
  shard: [number, number] | null;
  sessionId: string | null;
  op: number;
  t?: string | null;
  s?: number | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  d: any;
  at: number;
}

export interface FakeDiscordOptions {
  /** Guilds to create (default: "Newsroom" with #general and #ask on shard 0 of 2, "Annex" with #lobby on shard 1 of 2). */
  guilds?: { name: string; channels: string[]; shardOf2?: 0 | 1 }[];
  /** HELLO's heartbeat interval (default 41250 ms, as Discord). */
  heartbeatInterval?: number;
  /** Log every request and frame to stderr. */
  verbose?: boolean;
  /** Intents the application may not use (closes with 4014, as when Message Content is off in the portal). */
  disallowedIntents?: number;
}

interface Session {
  id: string;
  shard: [number, number];
  seq: number;
  events: { s: number; t: string; d: unknown }[];
  socket: WebSocket | null;
  /** True once READY or RESUMED was sent on the current socket. */
  live: boolean;
  ended: boolean;
  intents: number;
}

interface Conn {
  socket: WebSocket;
  session: Session | null;
}

interface FailRule {
  match: (r: { method: string; path: string; route: string }) => boolean;
  status: number;
  retryAfter?: number;
  times: number;
}

interface InteractionRecord {
  id: string;
  token: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  payload: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  original: any | null;
}

type Handler = (ctx: {
  params: Record<string, string>;
  query: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}) => { status: number; body?: unknown };

// ---------------------------------------------------------------------------------------------------
// Helpers

const DISCORD_EPOCH = 1420070400000n;
let snowflakeCounter = 0n;

/** A fresh Discord-style snowflake (time-ordered). */
export function snowflake(): string {
  snowflakeCounter = (snowflakeCounter + 1n) % 4096n;
  return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (BigInt(process.pid % 1024) << 12n) | snowflakeCounter).toString();
}

/** The shard a guild belongs to, as Discord computes it. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

function guildIdOnShard(shard: number, count: number): string {
  for (;;) {
    const id = snowflake();
    if (shardOf(id, count) === shard) return id;
    // Next millisecond-ish id: bump the timestamp part directly.
    const bumped = ((BigInt(id) >> 22n) + 1n) << 22n;
    if (shardOf(bumped.toString(), count) === shard) return (bumped | 1n).toString();
  }
}

/** Permission bits (as Discord's decimal strings). */
export const PERMISSIONS = {
  ManageGuild: 1n << 5n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ReadMessageHistory: 1n << 16n,
  UseApplicationCommands: 1n << 31n,
  CreatePublicThreads: 1n << 35n,
  SendMessagesInThreads: 1n << 38n,
};
const MEMBER_PERMISSIONS =
  PERMISSIONS.ViewChannel | PERMISSIONS.SendMessages | PERMISSIONS.ReadMessageHistory | PERMISSIONS.UseApplicationCommands | PERMISSIONS.SendMessagesInThreads;
const ALL_PERMISSIONS = (1n << 50n) - 1n;

const OP = { Dispatch: 0, Heartbeat: 1, Identify: 2, PresenceUpdate: 3, Resume: 6, Reconnect: 7, RequestGuildMembers: 8, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 };

function compileRoute(pattern: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = [];
  const regex = new RegExp(
    '^' +
      pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, k: string) => {
        keys.push(k);
        return '([^/]+)';
      }) +
      '$',
  );
  return { regex, keys };
}

// ---------------------------------------------------------------------------------------------------

export class FakeDiscord {
  readonly requests: RecordedRequest[] = [];
  readonly gatewayLog: GatewayFrame[] = [];
  readonly unknownRoutes: RecordedRequest[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly guilds: FakeGuild[] = [];
  /** Every channel by id (guild channels, threads, DMs). */
  readonly channelsById = new Map<string, FakeChannel>();
  /** Every message the fake knows (sent by users or by the bot), by id. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly messages = new Map<string, any>();
  /** Registered application commands: `global` and per guild id. */
  readonly commands: { global: unknown[]; guild: Map<string, unknown[]> } = { global: [], guild: new Map() };
  readonly interactions = new Map<string, InteractionRecord>();
  readonly sessions = new Map<string, Session>();

  readonly botUser: FakeUser;
  readonly applicationId: string;
  /** The token the fake accepts. */
  readonly token: string;
  /** A regular member, the default author. */
  readonly alice: FakeUser;
  /** A member with Manage Server. */
  readonly admin: FakeUser;
  /** Named channels of the default guilds, e.g. `channels.general`. */
  readonly channels: Record<string, FakeChannel> = {};

  /** `http://127.0.0.1:PORT/api`: the value for DISCORD_API_URL. */
  apiUrl = '';
  /** `ws://127.0.0.1:PORT`. */
  gatewayUrl = '';
  /** `waitFor` searches requests from here (moved by every send/click helper). */
  cursor = 0;

  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private readonly failRules: FailRule[] = [];
  private readonly routes: { method: string; pattern: string; regex: RegExp; keys: string[]; handler: Handler }[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly heartbeatInterval: number;
  private readonly verbose: boolean;
  private readonly disallowedIntents: number;

  private constructor(options: FakeDiscordOptions) {
    this.heartbeatInterval = options.heartbeatInterval ?? 41250;
    this.verbose = options.verbose ?? false;
    this.disallowedIntents = options.disallowedIntents ?? 0;
    this.botUser = this.createUser('Verbatim', { bot: true });
    this.applicationId = this.botUser.id;
    this.token = `${Buffer.from(this.botUser.id).toString('base64url')}.${crypto.randomBytes(4).toString('base64url')}.${crypto.randomBytes(20).toString('base64url')}`;
    this.alice = this.createUser('alice');
    this.admin = this.createUser('carol-admin');
    const guilds = options.guilds ?? [
      { name: 'Newsroom', channels: ['general', 'ask'], shardOf2: 0 },
      { name: 'Annex', channels: ['lobby'], shardOf2: 1 },
    ];
    for (const g of guilds) this.createGuild(g.name, g.channels, g.shardOf2);
    this.server = http.createServer((req, res) => void this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (socket) => this.onConnection(socket));
    this.installRoutes();
  }

  /**
   * Starts a fake Discord on 127.0.0.1 and a random port.
   *
   * @example
   * const fake = await FakeDiscord.start();
   * const config = loadConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl }, { dotenv: false });
   */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.apiUrl = `http://127.0.0.1:${port}/api`;
    fake.gatewayUrl = `ws://127.0.0.1:${port}`;
    return fake;
  }

  /** Closes every socket and the server, e.g. `afterAll(() => fake.stop())`. */
  async stop(): Promise<void> {
    for (const c of this.conns) c.socket.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ------------------------------------------------------------------------------------------------
  // World

  /** Creates a user (a human by default), e.g. `fake.createUser('bob')` or `fake.createUser('otherbot', { bot: true })`. */
  createUser(username: string, options: { bot?: boolean } = {}): FakeUser {
    const user: FakeUser = { id: snowflake(), username, discriminator: '0', global_name: username, avatar: null, ...(options.bot ? { bot: true } : {}) };
    this.users.set(user.id, user);
    return user;
  }

  /** Creates a guild with text channels; `shardOf2` pins it to shard 0 or 1 of a 2-shard bot, e.g. `fake.createGuild('Lab', ['q'], 1)`. */
  createGuild(name: string, channelNames: string[], shardOf2?: 0 | 1): FakeGuild {
    const id = shardOf2 === undefined ? snowflake() : guildIdOnShard(shardOf2, 2);
    const channels = channelNames.map((n, position) => {
      const ch: FakeChannel = { id: snowflake(), type: 0, name: n, guild_id: id, position, parent_id: null, permission_overwrites: [], nsfw: false, topic: null, last_message_id: null, rate_limit_per_user: 0 };
      this.channelsById.set(ch.id, ch);
      this.channels[n] ??= ch;
      return ch;
    });
    const guild = { id, name, channels };
    this.guilds.push(guild);
    return guild;
  }

  /** The DM channel between the bot and a user (created on first use), e.g. `fake.dmChannel(fake.alice).id`. */
  dmChannel(user: FakeUser): FakeChannel {
    for (const ch of this.channelsById.values()) if (ch.type === 1 && ch.recipients?.[0]?.id === user.id) return ch;
    const ch: FakeChannel = { id: snowflake(), type: 1, recipients: [user], last_message_id: null, flags: 0 };
    this.channelsById.set(ch.id, ch);
    return ch;
  }

  /** `<@botId>`: how a user mentions the bot, e.g. `` `${fake.mention()} Who?` ``. */
  mention(user: FakeUser = this.botUser): string {
    return `<@${user.id}>`;
  }

  private guildOf(channelId: string): string | undefined {
    return this.channelsById.get(channelId)?.guild_id;
  }

  private member(user: FakeUser, permissions?: bigint) {
    return {
      user,
      roles: [],
      joined_at: new Date(0).toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
      nick: null,
      avatar: null,
      premium_since: null,
      pending: false,
      communication_disabled_until: null,
      ...(permissions !== undefined ? { permissions: permissions.toString() } : {}),
    };
  }

  private guildCreatePayload(g: FakeGuild) {
    return {
      id: g.id,
      name: g.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: this.admin.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: g.id, name: '@everyone', color: 0, hoist: false, icon: null, unicode_emoji: null, position: 0, permissions: MEMBER_PERMISSIONS.toString(), managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      max_members: 500000,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: 3,
      voice_states: [],
      members: [this.member(this.botUser)],
      channels: g.channels.filter((c) => c.type === 0).map(({ guild_id: _g, ...c }) => c),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private makeMessage(fields: { channelId: string; author: FakeUser; content?: string; embeds?: unknown[]; components?: unknown[]; reference?: any; flags?: number; webhookId?: string; type?: number; interactionId?: string }): any {
    const guildId = this.guildOf(fields.channelId);
    const content = fields.content ?? '';
    const mentions = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => this.users.get(m[1])).filter((u): u is FakeUser => !!u);
    const message = {
      id: snowflake(),
      channel_id: fields.channelId,
      ...(guildId ? { guild_id: guildId, member: { roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 } } : {}),
      author: fields.author,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions,
      mention_roles: [],
      mention_channels: [],
      attachments: [],
      embeds: fields.embeds ?? [],
      components: fields.components ?? [],
      pinned: false,
      type: fields.type ?? (fields.reference ? 19 : 0),
      flags: fields.flags ?? 0,
      ...(fields.reference ? { message_reference: { type: 0, channel_id: fields.channelId, guild_id: guildId, ...fields.reference } } : {}),
      ...(fields.webhookId ? { webhook_id: fields.webhookId, application_id: this.applicationId } : {}),
      ...(this.channelsById.get(fields.channelId)?.type === 1 ? { channel_type: 1 } : {}),
    };
    this.messages.set(message.id, message);
    return message;
  }

  // ------------------------------------------------------------------------------------------------
  // Events sent to the bot

  /**
   * A user posts a message (dispatched as MESSAGE_CREATE to the shard of its guild; DMs to shard 0).
   * Mentions in the content (`<@id>`) are filled in from known users.
   *
   * @example
   * const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} Who is Kerry?` });
   * const dm = fake.sendMessage({ dm: true, content: 'Who is Kerry?' });
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  sendMessage(options: { channelId?: string; dm?: boolean; content: string; author?: FakeUser }): any {
    const author = options.author ?? this.alice;
    const channelId = options.dm ? this.dmChannel(author).id : options.channelId;
    if (!channelId) throw new Error('sendMessage needs channelId or dm: true');
    const message = this.makeMessage({ channelId, author, content: options.content });
    this.mark();
    this.dispatch('MESSAGE_CREATE', message, this.guildOf(channelId));
    return message;
  }

  private interactionBase(options: { user?: FakeUser; channelId?: string; dm?: boolean; permissions?: bigint }) {
    const user = options.user ?? this.alice;
    const channelId = options.dm ? this.dmChannel(user).id : (options.channelId ?? this.channels.general.id);
    const channel = this.channelsById.get(channelId);
    if (!channel) throw new Error(`unknown channel ${channelId}`);
    const guildId = channel.guild_id;
    const id = snowflake();
    const token = `aW50ZXJhY3Rpb246${id}:${crypto.randomBytes(24).toString('base64url')}`;
    const base = {
      id,
      application_id: this.applicationId,
      token,
      version: 1,
      channel_id: channelId,
      channel: { ...channel, ...(guildId ? { permissions: ALL_PERMISSIONS.toString() } : {}) },
      ...(guildId
        ? { guild_id: guildId, member: this.member(user, options.permissions ?? MEMBER_PERMISSIONS), guild_locale: 'en-US', context: 0, authorizing_integration_owners: { '0': guildId } }
        : { user, context: 1, authorizing_integration_owners: { '1': user.id } }),
      app_permissions: ALL_PERMISSIONS.toString(),
      locale: 'en-US',
      entitlements: [],
      attachment_size_limit: 10485760,
    };
    return { id, token, base, guildId };
  }

  private commandOptions(name: string, options: Record<string, string | number | boolean>, focused?: string) {
    const all = [...this.commands.global, ...[...this.commands.guild.values()].flat()] as { name: string; options?: { name: string; type: number }[] }[];
    const def = all.find((c) => c.name === name);
    return Object.entries(options).map(([k, value]) => {
      const type = def?.options?.find((o) => o.name === k)?.type ?? (typeof value === 'string' ? 3 : typeof value === 'number' ? (Number.isInteger(value) ? 4 : 10) : 5);
      return { name: k, type, value, ...(focused === k ? { focused: true } : {}) };
    });
  }

  private commandId(name: string): string {
    const all = [...this.commands.global, ...[...this.commands.guild.values()].flat()] as { name: string; id: string }[];
    return all.find((c) => c.name === name)?.id ?? snowflake();
  }

  /**
   * A user runs a slash command. Returns the interaction's id and token (its replies are
   * `POST /interactions/:id/:token/callback`, then `/webhooks/:app/:token…`; see `waitForReply`).
   *
   * @example
   * const i = fake.sendSlashCommand('ask', { question: 'Who is Kerry?' });
   * const i2 = fake.sendSlashCommand('reload', {}, { user: fake.admin, permissions: PERMISSIONS.ManageGuild | ... });
   */
  sendSlashCommand(
    name: string,
    options: Record<string, string | number | boolean> = {},
    context: { user?: FakeUser; channelId?: string; dm?: boolean; permissions?: bigint } = {},
  ): { id: string; token: string } {
    const { id, token, base } = this.interactionBase(context);
    const payload = { ...base, type: 2, data: { id: this.commandId(name), name, type: 1, options: this.commandOptions(name, options) } };
    return this.deliverInteraction(id, token, payload);
  }

  /**
   * A user types in an autocompleted option; `focused` names it. The bot answers with callback type 8.
   *
   * @example
   * const i = fake.sendAutocomplete('source', { id: 'iran' }, 'id');
   * const choices = (await fake.waitForReply(i)).choices;
   */
  sendAutocomplete(
    name: string,
    options: Record<string, string | number | boolean>,
    focused: string,
    context: { user?: FakeUser; channelId?: string; dm?: boolean } = {},
  ): { id: string; token: string } {
    const { id, token, base } = this.interactionBase(context);
    const payload = { ...base, type: 4, data: { id: this.commandId(name), name, type: 1, options: this.commandOptions(name, options, focused) } };
    return this.deliverInteraction(id, token, payload);
  }

  /**
   * A user clicks a button of a message the fake knows (by object or id).
   *
   * @example
   * const more = reply.body.components[0].components[0].custom_id;
   * const i = fake.clickButton(more, reply.response);
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  clickButton(customId: string, message: any, context: { user?: FakeUser } = {}): { id: string; token: string } {
    const msg = typeof message === 'string' ? this.messages.get(message) : message;
    if (!msg) throw new Error(`clickButton: unknown message ${String(message)}`);
    const channel = this.channelsById.get(msg.channel_id);
    const dm = channel?.type === 1;
    const { id, token, base } = this.interactionBase({ user: context.user ?? (dm ? channel?.recipients?.[0] : undefined), channelId: dm ? undefined : msg.channel_id, dm });
    const payload = { ...base, type: 3, message: msg, data: { custom_id: customId, component_type: 2 } };
    return this.deliverInteraction(id, token, payload);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private deliverInteraction(id: string, token: string, payload: any): { id: string; token: string } {
    this.interactions.set(id, { id, token, payload, original: null });
    this.mark();
    this.dispatch('INTERACTION_CREATE', payload, payload.guild_id);
    return { id, token };
  }

  /** Moves `cursor` to the end: later `waitFor` calls only see requests made from now on, e.g. `fake.mark()`. */
  mark(): number {
    this.cursor = this.requests.length;
    return this.cursor;
  }

  // ------------------------------------------------------------------------------------------------
  // Waiting

  /**
   * Resolves with the first successful (status < 400) request from `since` (default `cursor`) that
   * matches; failed attempts are in `requests` for inspection. Rejects after
   * `timeout` ms with a list of what was seen.
   *
   * @example
   * const r = await fake.waitFor((r) => r.route === 'POST /channels/:channelId/messages' && r.params.channelId === ch);
   */
  waitFor(predicate: (r: RecordedRequest) => boolean, options: { timeout?: number; since?: number } = {}): Promise<RecordedRequest> {
    const since = options.since ?? this.cursor;
    const timeout = options.timeout ?? 5000;
    return this.waitUntil(
      () => this.requests.slice(since).find((r) => r.status < 400 && predicate(r)),
      timeout,
      () => `no matching request within ${timeout} ms; seen since #${since}:\n${this.requests.slice(since).map((r) => `  ${r.status} ${r.method} ${r.path}`).join('\n') || '  (none)'}`,
    );
  }

  /**
   * Waits for the gateway frame matching `predicate` (any time since the fake started, unless `since`).
   *
   * @example
   * await fake.waitForGateway((f) => f.dir === 'in' && f.op === 6); // a RESUME
   */
  waitForGateway(predicate: (f: GatewayFrame) => boolean, options: { timeout?: number; since?: number } = {}): Promise<GatewayFrame> {
    const timeout = options.timeout ?? 5000;
    return this.waitUntil(
      () => this.gatewayLog.slice(options.since ?? 0).find(predicate),
      timeout,
      () => `no matching gateway frame within ${timeout} ms`,
    );
  }

  /**
   * The message an interaction finally shows: the callback's data (types 4, 7, 8) or, after a deferral
   * (type 5/6), the body of the first PATCH of `@original`. Resolves to that JSON body (for autocomplete,
   * `{ choices }`), with `deferred` telling whether a deferral came first.
   *
   * @example
   * const reply = await fake.waitForReply(fake.sendSlashCommand('ask', { question: 'Who?' }));
   * reply.embeds[0].description;
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async waitForReply(interaction: { id: string; token: string }, options: { timeout?: number } = {}): Promise<any> {
    const since = this.cursor;
    const first = await this.waitFor(
      (r) =>
        (r.route === 'POST /interactions/:id/:token/callback' && r.params.id === interaction.id) ||
        (r.route === 'PATCH /webhooks/:appId/:token/messages/:messageId' && r.params.token === interaction.token),
      { ...options, since },
    );
    if (first.route.startsWith('POST') && (first.body.type === 5 || first.body.type === 6)) {
      const edit = await this.waitFor((r) => r.route === 'PATCH /webhooks/:appId/:token/messages/:messageId' && r.params.token === interaction.token, { ...options, since });
      return { ...edit.body, deferred: true, message: edit.response, request: edit };
    }
    if (first.route.startsWith('PATCH')) return { ...first.body, deferred: false, message: first.response, request: first };
    return { ...(first.body.data ?? {}), type: first.body.type, deferred: false, message: this.interactions.get(interaction.id)?.original, request: first };
  }

  private waitUntil<T>(find: () => T | undefined, timeout: number, describe: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (hit !== undefined) {
          cleanup();
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`FakeDiscord: ${describe()}`));
      }, timeout);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  // ------------------------------------------------------------------------------------------------
  // Failure injection

  /**
   * Makes the next `times` (default 1) requests matching `route` fail with `status`. `route` is a
   * route name (`POST /channels/:channelId/messages`), or a RegExp tested on `METHOD /path`.
   * A 429 carries `Retry-After: retryAfter` (seconds, default 0.2) as Discord sends it.
   *
   * @example
   * fake.failNext('POST /channels/:channelId/messages', 429, { retryAfter: 0.3 });
   * fake.failNext(/^POST \/channels\//, 500, { times: 2 });
   */
  failNext(route: string | RegExp, status: number, options: { retryAfter?: number; times?: number } = {}): void {
    const match =
      typeof route === 'string'
        ? (r: { route: string }) => r.route === route
        : (r: { method: string; path: string }) => route.test(`${r.method} ${r.path}`);
    this.failRules.push({ match, status, retryAfter: options.retryAfter ?? (status === 429 ? 0.2 : undefined), times: options.times ?? 1 });
  }

  /** Drops every pending `failNext` rule, e.g. after a test of a failure that never stops. */
  clearFailures(): void {
    this.failRules.length = 0;
  }

  // ------------------------------------------------------------------------------------------------
  // Gateway

  /**
   * Closes the gateway sockets (of one shard, or all) with `code`. 4000 (unknown error) and the like
   * are resumable: the session and its missed events are kept for RESUME; 4004/4010-4014 end it.
   *
   * @example
   * fake.closeSocket(4000);
   * await fake.waitForGateway((f) => f.t === 'RESUMED');
   */
  closeSocket(code = 4000, options: { shard?: number } = {}): void {
    const resumable = ![4004, 4010, 4011, 4012, 4013, 4014].includes(code);
    this.mark();
    for (const c of this.conns) {
      if (options.shard !== undefined && c.session?.shard[0] !== options.shard) continue;
      if (c.session) {
        c.session.live = false;
        c.session.socket = null;
        if (!resumable) c.session.ended = true;
      }
      c.socket.close(code, 'closed by the fake');
    }
  }

  /** Sessions that are identified and not ended, optionally for one shard id, e.g. `fake.liveSessions(1).length`. */
  liveSessions(shard?: number): Session[] {
    return [...this.sessions.values()].filter((s) => !s.ended && (shard === undefined || s.shard[0] === shard));
  }

  /**
   * Sends a dispatch to every session whose shard holds `guildId` (shard 0 for DMs). Sessions that are
   * disconnected keep the event for replay on RESUME.
   *
   * @example
   * fake.dispatch('GUILD_UPDATE', { ...guild, name: 'Renamed' }, guild.id);
   */
  dispatch(t: string, d: unknown, guildId?: string): void {
    for (const session of this.sessions.values()) {
      if (session.ended) continue;
      const [id, count] = session.shard;
      if ((guildId ? shardOf(guildId, count) : 0) !== id) continue;
      this.pushEvent(session, t, d);
    }
  }

  private pushEvent(session: Session, t: string, d: unknown): void {
    const s = ++session.seq;
    session.events.push({ s, t, d });
    if (session.events.length > 1000) session.events.shift();
    if (session.live && session.socket?.readyState === WebSocket.OPEN) this.send(session.socket, session, { op: OP.Dispatch, t, s, d });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private send(socket: WebSocket, session: Session | null, frame: { op: number; d: any; t?: string | null; s?: number | null }): void {
    const full = { t: null, s: null, ...frame };
    this.gatewayLog.push({ dir: 'out', shard: session?.shard ?? null, sessionId: session?.id ?? null, op: full.op, t: full.t, s: full.s, d: full.d, at: Date.now() });
    if (this.verbose) process.stderr.write(`[fake-discord] gw → ${full.op} ${full.t ?? ''}\n`);
    socket.send(JSON.stringify(full));
    this.notify();
  }

  private onConnection(socket: WebSocket): void {
    const conn: Conn = { socket, session: null };
    this.conns.add(conn);
    socket.on('message', (raw) => this.onFrame(conn, raw.toString()));
    socket.on('close', (code) => {
      this.conns.delete(conn);
      const session = conn.session;
      if (session && session.socket === socket) {
        session.live = false;
        session.socket = null;
        // A client closing with 1000/1001 logs out for good; 4200-style closes mean "I'll resume".
        if (code === 1000 || code === 1001) session.ended = true;
      }
      this.notify();
    });
    socket.on('error', () => undefined);
    this.send(socket, null, { op: OP.Hello, d: { heartbeat_interval: this.heartbeatInterval, _trace: ['fake-discord'] } });
  }

  private onFrame(conn: Conn, raw: string): void {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let frame: { op: number; d: any };
    try {
      frame = JSON.parse(raw);
    } catch {
      conn.socket.close(4002, 'Error while decoding payload.');
      return;
    }
    this.gatewayLog.push({ dir: 'in', shard: conn.session?.shard ?? frame.d?.shard ?? null, sessionId: conn.session?.id ?? frame.d?.session_id ?? null, op: frame.op, d: frame.op === OP.Identify || frame.op === OP.Resume ? { ...frame.d, token: '[token]' } : frame.d, at: Date.now() });
    if (this.verbose) process.stderr.write(`[fake-discord] gw ← ${frame.op}\n`);
    switch (frame.op) {
      case OP.Heartbeat:
        this.send(conn.socket, conn.session, { op: OP.HeartbeatAck, d: null });
        break;
      case OP.Identify:
        this.onIdentify(conn, frame.d);
        break;
      case OP.Resume:
        this.onResume(conn, frame.d);
        break;
      case OP.PresenceUpdate:
      case OP.RequestGuildMembers:
        break;
      default:
        process.stderr.write(`[fake-discord] unexpected gateway opcode ${frame.op}\n`);
        this.notify();
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private onIdentify(conn: Conn, d: any): void {
    if (d?.token !== this.token) {
      conn.socket.close(4004, 'Authentication failed.');
      return;
    }
    if ((Number(d.intents) & this.disallowedIntents) !== 0) {
      conn.socket.close(4014, 'Disallowed intent(s).');
      return;
    }
    if (conn.session) {
      conn.socket.close(4005, 'Already authenticated.');
      return;
    }
    const shard: [number, number] = Array.isArray(d.shard) ? [d.shard[0], d.shard[1]] : [0, 1];
    if (shard[0] >= shard[1]) {
      conn.socket.close(4010, 'Invalid shard.');
      return;
    }
    const session: Session = { id: crypto.randomBytes(16).toString('hex'), shard, seq: 0, events: [], socket: conn.socket, live: true, ended: false, intents: d.intents };
    this.sessions.set(session.id, session);
    conn.session = session;
    const guilds = this.guilds.filter((g) => shardOf(g.id, shard[1]) === shard[0]);
    this.pushEvent(session, 'READY', {
      v: 10,
      user: { ...this.botUser, verified: true, mfa_enabled: false, flags: 0, email: null },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.gatewayUrl,
      shard,
      application: { id: this.applicationId, flags: 1 << 19 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
      auth: {},
      _trace: ['fake-discord'],
    });
    for (const g of guilds) this.pushEvent(session, 'GUILD_CREATE', this.guildCreatePayload(g));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private onResume(conn: Conn, d: any): void {
    const session = this.sessions.get(d?.session_id);
    if (d?.token !== this.token) {
      conn.socket.close(4004, 'Authentication failed.');
      return;
    }
    if (!session || session.ended) {
      this.send(conn.socket, null, { op: OP.InvalidSession, d: false });
      return;
    }
    if (session.socket && session.socket !== conn.socket) session.socket.close(4009, 'Session replaced.');
    conn.session = session;
    session.socket = conn.socket;
    session.live = true;
    for (const e of session.events) {
      if (e.s > (d.seq ?? 0)) this.send(conn.socket, session, { op: OP.Dispatch, t: e.t, s: e.s, d: e.d });
    }
    this.pushEvent(session, 'RESUMED', { _trace: ['fake-discord'] });
  }

  // ------------------------------------------------------------------------------------------------
  // REST

  private route(method: string, pattern: string, handler: Handler): void {
    this.routes.push({ method, pattern, ...compileRoute(pattern), handler });
  }

  private installRoutes(): void {
    const botMessage = (channelId: string, body: { content?: string; embeds?: unknown[]; components?: unknown[]; flags?: number; message_reference?: unknown }, extra: object = {}) =>
      this.makeMessage({ channelId, author: this.botUser, content: body.content, embeds: body.embeds, components: body.components, flags: body.flags, reference: body.message_reference, ...extra });

    this.route('GET', '/gateway', () => ({ status: 200, body: { url: this.gatewayUrl } }));
    this.route('GET', '/gateway/bot', () => ({
      status: 200,
      body: { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14400000, max_concurrency: 16 } },
    }));
    this.route('GET', '/users/@me', () => ({ status: 200, body: { ...this.botUser, verified: true, flags: 0, mfa_enabled: false } }));
    const app = () => ({ status: 200, body: { id: this.applicationId, name: this.botUser.username, bot: this.botUser, flags: 1 << 19, owner: this.admin, description: '', icon: null, bot_public: true, bot_require_code_grant: false, verify_key: 'fake', team: null } });
    this.route('GET', '/applications/@me', app);
    this.route('GET', '/oauth2/applications/@me', app);

    const saveCommands = (list: unknown, guildId?: string) => {
      const saved = (Array.isArray(list) ? list : []).map((c: Record<string, unknown>) => ({
        id: snowflake(),
        application_id: this.applicationId,
        version: snowflake(),
        type: 1,
        default_member_permissions: null,
        nsfw: false,
        ...c,
        ...(guildId ? { guild_id: guildId } : {}),
      }));
      if (guildId) this.commands.guild.set(guildId, saved);
      else this.commands.global = saved;
      return { status: 200, body: saved };
    };
    this.route('PUT', '/applications/:appId/commands', ({ body }) => saveCommands(body));
    this.route('PUT', '/applications/:appId/guilds/:guildId/commands', ({ body, params }) => saveCommands(body, params.guildId));
    this.route('GET', '/applications/:appId/commands', () => ({ status: 200, body: this.commands.global }));
    this.route('GET', '/applications/:appId/guilds/:guildId/commands', ({ params }) => ({ status: 200, body: this.commands.guild.get(params.guildId) ?? [] }));

    this.route('POST', '/interactions/:id/:token/callback', ({ params, body, query }) => {
      const rec = this.interactions.get(params.id);
      if (!rec || rec.token !== params.token) return { status: 404, body: { message: 'Unknown interaction', code: 10062 } };
      if (rec.original && body.type !== 8) return { status: 400, body: { message: 'Interaction has already been acknowledged.', code: 40060 } };
      const channelId = rec.payload.channel_id as string;
      if (body.type === 4 || body.type === 5) {
        rec.original = botMessage(channelId, { ...body.data, content: body.data?.content ?? '', flags: (body.data?.flags ?? 0) | (body.type === 5 ? 128 : 0) }, { interactionId: rec.id, webhookId: this.applicationId });
      } else if (body.type === 7 && rec.payload.message) {
        const updated = { ...rec.payload.message, ...body.data, edited_timestamp: new Date().toISOString() };
        this.messages.set(updated.id, updated);
        rec.original = updated;
      } else if (body.type === 6) {
        rec.original = rec.payload.message ?? {};
      } else if (body.type === 8) {
        rec.original = { choices: body.data?.choices ?? [] };
      }
      if (query.with_response === 'true') {
        return { status: 200, body: { interaction: { id: rec.id, type: rec.payload.type, activity_instance_id: null, response_message_id: rec.original?.id, response_message_loading: body.type === 5, response_message_ephemeral: ((body.data?.flags ?? 0) & 64) !== 0 }, resource: { type: body.type, message: rec.original } } };
      }
      return { status: 204 };
    });

    const byToken = (token: string) => [...this.interactions.values()].find((i) => i.token === token);
    this.route('PATCH', '/webhooks/:appId/:token/messages/:messageId', ({ params, body }) => {
      const rec = byToken(params.token);
      if (!rec) return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
      const target = params.messageId === '@original' ? rec.original : this.messages.get(params.messageId);
      if (!target) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
      const updated = { ...target, ...body, flags: (target.flags ?? 0) & ~128, edited_timestamp: new Date().toISOString() };
      this.messages.set(updated.id, updated);
      if (params.messageId === '@original') rec.original = updated;
      return { status: 200, body: updated };
    });
    this.route('GET', '/webhooks/:appId/:token/messages/:messageId', ({ params }) => {
      const rec = byToken(params.token);
      const target = params.messageId === '@original' ? rec?.original : this.messages.get(params.messageId);
      return target ? { status: 200, body: target } : { status: 404, body: { message: 'Unknown Message', code: 10008 } };
    });
    this.route('DELETE', '/webhooks/:appId/:token/messages/:messageId', () => ({ status: 204 }));
    this.route('POST', '/webhooks/:appId/:token', ({ params, body }) => {
      const rec = byToken(params.token);
      if (!rec) return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
      return { status: 200, body: botMessage(rec.payload.channel_id, body, { webhookId: this.applicationId }) };
    });

    this.route('GET', '/channels/:channelId', ({ params }) => {
      const ch = this.channelsById.get(params.channelId);
      return ch ? { status: 200, body: ch } : { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
    });
    this.route('POST', '/channels/:channelId/typing', () => ({ status: 204 }));
    this.route('POST', '/channels/:channelId/messages', ({ params, body }) => {
      const ch = this.channelsById.get(params.channelId);
      if (!ch) return { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
      if (!body?.content && !body?.embeds?.length && !body?.components?.length) return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
      const message = botMessage(params.channelId, body);
      // Discord echoes the bot's own messages on the gateway; the bot must ignore them.
      setImmediate(() => this.dispatch('MESSAGE_CREATE', message, ch.guild_id));
      return { status: 200, body: message };
    });
    this.route('POST', '/channels/:channelId/messages/:messageId/threads', ({ params, body }) => {
      const parent = this.channelsById.get(params.channelId);
      if (!parent?.guild_id) return { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
      const now = new Date().toISOString();
      const thread: FakeChannel = {
        id: params.messageId,
        type: 11,
        guild_id: parent.guild_id,
        parent_id: parent.id,
        owner_id: this.botUser.id,
        name: String(body?.name ?? 'thread').slice(0, 100),
        last_message_id: null,
        rate_limit_per_user: 0,
        message_count: 0,
        member_count: 1,
        total_message_sent: 0,
        flags: 0,
        thread_metadata: { archived: false, auto_archive_duration: body?.auto_archive_duration ?? 1440, archive_timestamp: now, locked: false, create_timestamp: now },
        member: { id: params.messageId, user_id: this.botUser.id, join_timestamp: now, flags: 0 },
      };
      this.channelsById.set(thread.id, thread);
      setImmediate(() => this.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, parent.guild_id));
      return { status: 201, body: thread };
    });
  }

  private async onHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname
      .replace(/^\/api/, '')
      .replace(/^\/v\d+/, '')
      .split('/')
      .map((seg) => {
        try {
          return decodeURIComponent(seg);
        } catch {
          return seg;
        }
      })
      .join('/');
    const query = Object.fromEntries(url.searchParams);
    const authorization = req.headers.authorization;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let body: any = undefined;
    const type = req.headers['content-type'] ?? '';
    try {
      if (type.includes('application/json') && raw) body = JSON.parse(raw);
      else if (type.includes('multipart/form-data')) {
        const m = /name="payload_json"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*?)\r\n--/.exec(raw);
        body = m ? JSON.parse(m[1]) : { multipart: true };
      } else body = raw || undefined;
    } catch {
      body = raw;
    }

    const found = this.routes.find((r) => r.method === method && r.regex.test(path));
    const params: Record<string, string> = {};
    if (found) {
      const m = found.regex.exec(path)!;
      found.keys.forEach((k, i) => (params[k] = m[i + 1]));
    }
    const route = found ? `${method} ${found.pattern}` : 'UNKNOWN';
    const record: RecordedRequest = { index: this.requests.length, method, path, route, params, query, body, authorization, status: 0, response: undefined, at: Date.now() };

    let status: number;
    let response: unknown;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const rule = this.failRules.find((r) => r.times > 0 && r.match({ method, path, route }));
    const needsAuth = !path.startsWith('/interactions/') && !path.startsWith('/webhooks/');
    if (rule) {
      rule.times--;
      status = rule.status;
      if (status === 429) {
        headers['retry-after'] = String(rule.retryAfter ?? 0.2);
        headers['x-ratelimit-scope'] = 'user';
        response = { message: 'You are being rate limited.', retry_after: rule.retryAfter ?? 0.2, global: false };
      } else {
        response = { message: `${status}: injected failure`, code: 0 };
      }
    } else if (needsAuth && authorization !== `Bot ${this.token}`) {
      status = 401;
      response = { message: '401: Unauthorized', code: 0 };
    } else if (!found) {
      status = 404;
      response = { message: '404: Not Found', code: 0 };
      process.stderr.write(`\n[fake-discord] !!! UNKNOWN ROUTE ${method} ${path} — add it to test/support/fake-discord.ts\n\n`);
      this.unknownRoutes.push(record);
    } else {
      try {
        const out = found.handler({ params, query, body });
        status = out.status;
        response = out.body;
      } catch (e) {
        status = 500;
        response = { message: `fake-discord handler crashed: ${(e as Error).message}`, code: 0 };
        process.stderr.write(`[fake-discord] handler for ${route} crashed: ${(e as Error).stack}\n`);
      }
    }
    record.status = status;
    record.response = response;
    this.requests.push(record);
    if (this.verbose) process.stderr.write(`[fake-discord] ${status} ${method} ${path}\n`);
    if (status === 204 || response === undefined) delete headers['content-type'];
    res.writeHead(status, headers);
    res.end(status === 204 || response === undefined ? undefined : JSON.stringify(response));
    this.notify();
  }
}
