import type { KnownFamilyId, PollingPolicy, PollingPolicyFunction } from '../index.js';

/**
 * What a command line asks for, once parsed: the commands' types and the usage error, apart from the parser
 * (args.ts) and the help text (help.ts) so that both, and the commands' own files, import them without a cycle.
 * A new command adds its interface here and its branch to `Command`.
 */

/** The help pages, one per command plus the top one. */
export type HelpTopic = 'top' | 'watch' | 'generate' | 'download' | 'credits' | 'demo' | 'simulate' | 'dashboard';

export class UsageError extends Error {
  readonly topic: HelpTopic;

  constructor(message: string, topic: HelpTopic) {
    super(message);
    this.name = 'UsageError';
    this.topic = topic;
  }
}

/** Where `watch --callback-port` listens for KIE callbacks, and the file with the key that signs them. */
export interface CallbackListen {
  readonly port: number;
  readonly host: string;
  readonly hmacKeyFile: string | undefined;
}

export interface WatchCommand {
  readonly kind: 'watch';
  readonly taskIds: readonly string[];
  /** The family every task is watched as (its status endpoint and record shape). */
  readonly family: KnownFamilyId;
  readonly baseUrl: string;
  readonly timeoutMs: number | undefined;
  readonly apiKeyFile: string | undefined;
  readonly policy: PollingPolicy;
  readonly json: boolean;
  readonly verbose: boolean;
  /** Receive callbacks and watch with `expectCallback`; `undefined` without `--callback-port`. */
  readonly callbacks: CallbackListen | undefined;
}

/** The policies a command line can name: never a function, so they can be sent to another process. */
export type CliPolicy = Exclude<PollingPolicy, PollingPolicyFunction>;

export interface DemoCommand {
  readonly kind: 'demo';
  readonly tasks: number;
  /** The families the scripted tasks are spread over, in turn; `undefined`: gpt4o-image only. */
  readonly families: readonly KnownFamilyId[] | undefined;
  readonly seed: number;
  readonly speed: number;
  readonly timeoutMs: number;
  readonly policy: CliPolicy;
  readonly json: boolean;
  readonly verbose: boolean;
  /** `--callbacks`: the simulator calls back, signed, and the share `lossRate` of callbacks is lost. */
  readonly callbacks: { readonly lossRate: number } | undefined;
  /** `--workers N`: a fleet of N worker processes on Redis instead of one watcher; `undefined` without it. */
  readonly fleet: DemoFleet | undefined;
  /** `--keep`: leave the folder the demo saved its created tasks' files in. */
  readonly keep: boolean;
}

/** What every command that talks to the API shares: where, with which key, how to poll and print. */
export interface ApiCommand {
  readonly baseUrl: string;
  readonly apiKeyFile: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly policy: CliPolicy;
  readonly json: boolean;
  readonly verbose: boolean;
}

/** `kie-watch generate`: one task created with `generate()`, watched, its files saved. */
export interface GenerateCommand extends ApiCommand {
  readonly kind: 'generate';
  readonly family: KnownFamilyId;
  /** The family's create input: `--input-file`'s object, with `--prompt` and `--size` laid over it. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly out: string;
}

/** `kie-watch download <taskId...>`: each finished task's files saved. */
export interface DownloadCommand extends ApiCommand {
  readonly kind: 'download';
  readonly taskIds: readonly string[];
  readonly family: KnownFamilyId;
  readonly out: string;
}

/** `kie-watch credits`: the account's balance. */
export interface CreditsCommand extends Omit<ApiCommand, 'policy' | 'timeoutMs'> {
  readonly kind: 'credits';
}

/** `demo --workers N` and the options that go with it. */
export interface DemoFleet {
  readonly workers: number;
  /** `--redis URL`: an existing Redis (no password in it); `undefined`: a private redis-server on a unix socket. */
  readonly redisUrl: string | undefined;
  /** `--kill-one`: the last worker is killed with SIGKILL mid-run, holding a claim, to show the takeover. */
  readonly killOne: boolean;
  /** `--dashboard`: serve the fleet's dashboard on 127.0.0.1 during the run, and after it until Ctrl-C. */
  readonly dashboard: boolean;
}

export interface SimulateCommand {
  readonly kind: 'simulate';
  /** Handed to the standalone simulator, which owns the meaning of its flags. */
  readonly argv: readonly string[];
  readonly verbose: boolean;
}

/** `kie-watch dashboard` and its options. */
export interface DashboardCommand {
  readonly kind: 'dashboard';
  /** A `redis://` / `rediss://` URL (no password), or the absolute path of a unix socket. */
  readonly redis: string;
  readonly prefix: string;
  readonly port: number;
  readonly host: string;
  readonly tokenFile: string | undefined;
}

export type Command =
  | { readonly kind: 'help'; readonly topic: HelpTopic }
  | { readonly kind: 'version' }
  | WatchCommand
  | GenerateCommand
  | DownloadCommand
  | CreditsCommand
  | DemoCommand
  | SimulateCommand
  | DashboardCommand;
