import { sql, type Kysely, type Transaction } from 'kysely';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { randomId } from '../crypto/index.ts';
import type { Database, JobsTable } from '../store/schema.ts';
import type { StoreDialect } from '../store/storeDialect.ts';
import { DISK_FULL_MESSAGE, JobFailure, isDiskFull } from './JobErrors.ts';
import { ResultSink } from './ResultSink.ts';
import { JobPhases } from './JobPhases.ts';
import { PgChannelListener } from '../store/PgChannelListener.ts';

export interface JobContext {
  job: {
    id: string;
    orgId: string;
    userId: string;
    clientId: string;
    kind: string;
    input: unknown;
    attempt: number;
  };
  /** Aborted on cancel, lease loss or shutdown. */
  signal: AbortSignal;
  progress(fraction: number | null, message?: string): Promise<void>;
  sink: ResultSink;
  /** Time per phase of this attempt, logged at debug level when it ends. */
  phases: JobPhases;
}

export type JobHandler = (ctx: JobContext) => Promise<void>;

export interface JobRunnerOptions {
  db: Kysely<Database>;
  dialect: StoreDialect;
  logger: Logger;
  handlers: Record<string, JobHandler>;
  /** Jobs this process runs at once. */
  concurrency?: number;
  /** Jobs of one organization running at once, across this process. */
  perOrgConcurrency?: number;
  leaseMs?: number;
  pollMs?: number;
  pageSize?: number;
  maxResultRows?: number;
  /**
   * Longest one attempt may run, from claim to end: then it is aborted (its query cancelled) and
   * fails with the reason. A statement timeout bounds each round trip; only this bounds the job.
   */
  wallTimeoutMs?: number;
  /** How long an aborted handler gets to unwind before the runner gives up on it. */
  abandonGraceMs?: number;
  /** How long results stay readable after a job ends. */
  retentionMs?: number;
  /** The store belongs to this process alone (SQLite): running jobs found at start are orphans. */
  exclusiveStore?: boolean;
  /**
   * The PostgreSQL store's URL: the runner then LISTENs for jobs ended by other processes, so a
   * caller waiting here on a job run elsewhere wakes at its commit rather than at a poll.
   */
  listenUrl?: string;
  /** Stored result bytes one organization may have (MERIDIAN_ORG_RESULT_BYTES); unset: no quota. */
  maxResultBytesPerOrg?: number;
}

/** PostgreSQL channel announcing a job's end; payload `<runner owner> <job id> <state>`. */
export const JOB_EVENTS_CHANNEL = 'meridian_job_events';
/** Shown in pg_stat_activity for the runner's LISTEN session. */
export const JOB_LISTENER_APPLICATION_NAME = 'meridian-job-listener';

/** The longest pause between claims while the store keeps failing them. */
const MAX_CLAIM_BACKOFF_MS = 30_000;

export type JobEvent = {
  jobId: string;
  state: JobsTable['state'] | 'progress';
  progress?: number | null;
  message?: string | null;
};

/** The abort reason of a job past its wall-clock limit. */
const WALL_TIMEOUT = 'wall timeout';

function wallTimeoutMessage(ms: number): string {
  const limit = ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
  return `The job ran longer than its wall-clock limit of ${limit} (MERIDIAN_JOB_WALL_TIMEOUT) and was stopped; its query was cancelled. Narrow the arguments so it reads fewer rows, or ask an administrator to raise the limit.`;
}

/**
 * Rejects `graceMs` after `signal` aborts, unless `handled` settled first. The default grace is
 * twice the engines' own: they give a cancel 5 s before dropping the connection.
 */
function abandonAfterAbort(
  signal: AbortSignal,
  handled: Promise<void>,
  sink: ResultSink,
  graceMs: number,
  log: () => void,
): Promise<never> {
  return new Promise<never>((_, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => {
        sink.seal();
        log();
        reject(signal.reason);
      }, graceMs);
      timer.unref();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    void handled
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      });
  });
}

/**
 * Claims queued jobs from the store and runs them. Durable by construction: state lives in the
 * job table; a running job holds a lease it renews while it works; a lease that runs out (the
 * process died) puts the job back in the queue until its attempts are used up, then fails it
 * with the reason. Completion is conditional on still holding the lease for the same attempt,
 * so a stale worker can never publish. With PostgreSQL, claims use `FOR UPDATE SKIP LOCKED`, so
 * several processes share one queue and each job runs once.
 */
export class JobRunner {
  readonly events = new EventEmitter();
  private readonly owner = randomId(9);
  private readonly running = new Map<string, AbortController>();
  private readonly inFlight = new Set<Promise<void>>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = true;
  /** The claim loop in progress, if any: stop() waits for it, so no claim lands after stop. */
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  /**
   * Claims that failed in a row, and when the next may run: while the store fails (disk full,
   * connection lost) claims back off from 250 ms doubling to 30 s instead of retrying (and
   * logging) every poll.
   */
  private claimFailures = 0;
  private claimRetryAt = 0;
  private readonly o: Required<
    Omit<JobRunnerOptions, 'exclusiveStore' | 'maxResultBytesPerOrg' | 'listenUrl'>
  > &
    Pick<JobRunnerOptions, 'listenUrl' | 'maxResultBytesPerOrg'> & { exclusiveStore: boolean };
  private listener: PgChannelListener | undefined;

  constructor(options: JobRunnerOptions) {
    this.o = {
      concurrency: 2,
      perOrgConcurrency: 2,
      leaseMs: 30_000,
      pollMs: 250,
      pageSize: 500,
      maxResultRows: 100_000,
      wallTimeoutMs: 15 * 60_000,
      abandonGraceMs: 10_000,
      retentionMs: 24 * 3_600_000,
      exclusiveStore: false,
      ...options,
    };
    this.events.setMaxListeners(0);
  }

  /**
   * Whether every job end reaches `events` (this process runs them all, or the store tells it of
   * the others'): waiters then poll only as a slow safety net.
   */
  get hearsEveryJob(): boolean {
    return this.o.exclusiveStore || this.listener !== undefined;
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.o.dialect === 'postgres' && this.o.listenUrl && !this.listener) {
      this.listener = new PgChannelListener({
        connectionString: this.o.listenUrl,
        channel: JOB_EVENTS_CHANNEL,
        applicationName: JOB_LISTENER_APPLICATION_NAME,
        logger: this.o.logger,
        onNotification: (payload) => {
          const [owner, jobId, state] = payload.split(' ');
          // Only to waiters on that job: `'*'` stays the stream of this runner's own jobs.
          if (owner !== this.owner && jobId && state)
            this.events.emit(jobId, { jobId, state: state as JobEvent['state'] });
        },
      });
      this.listener.start();
    }
    if (this.o.exclusiveStore) await this.requeueOrphans(Number.MAX_SAFE_INTEGER);
    await this.sweepExpiredLeases();
    this.timers.push(setInterval(() => void this.poll(), this.o.pollMs));
    this.timers.push(setInterval(() => void this.sweepExpiredLeases(), Math.max(this.o.leaseMs / 2, 200)));
    this.timers.push(setInterval(() => void this.purgeExpiredResults(), 60_000));
    for (const timer of this.timers) timer.unref();
    void this.poll();
  }

  /** Stops a job running in this process at once (its cancel flag is already in the store). */
  abortLocal(jobId: string): void {
    this.running.get(jobId)?.abort(new Error('cancelled'));
  }

  /** Wakes the runner now (after a submission) instead of at the next poll. */
  nudge(): void {
    if (!this.stopped) void this.poll();
  }

  /** Stops claiming; lets running jobs finish for `graceMs`, then releases them to the queue. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.polling;
    await this.listener?.close();
    this.listener = undefined;
    const all = Promise.allSettled([...this.inFlight]);
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
    ]);
    if (timedOut) {
      for (const [jobId, controller] of this.running) {
        controller.abort(new Error('shutdown'));
        // A store that is down now: the lease runs out instead, with the same outcome.
        await this.release(jobId).catch((error: unknown) =>
          this.o.logger.warn({ err: error, jobId }, 'could not release a job at shutdown'),
        );
      }
      await all;
    }
  }

  private poll(): Promise<void> {
    if (this.stopped) return this.polling ?? Promise.resolve();
    if (this.polling) {
      // A pass in progress may already have looked and found nothing: look once more after it,
      // or a job submitted now waits for the next timer tick (up to pollMs per sync call).
      this.pollAgain = true;
      return this.polling;
    }
    if (Date.now() < this.claimRetryAt) return Promise.resolve();
    const pass = this.claimLoop();
    this.polling = pass;
    void pass.finally(() => {
      if (this.polling === pass) this.polling = undefined;
      if (this.pollAgain) {
        this.pollAgain = false;
        void this.poll();
      }
    });
    return pass;
  }

  private async claimLoop(): Promise<void> {
    try {
      while (!this.stopped && this.running.size < this.o.concurrency) {
        const phases = new JobPhases();
        const job = await phases.time('claim', () => this.claim());
        if (!job) break;
        const run = this.run(job, phases).finally(() => this.inFlight.delete(run));
        this.inFlight.add(run);
      }
      if (this.claimFailures > 0) {
        this.o.logger.info({ failures: this.claimFailures }, 'job claims work again');
        this.claimFailures = 0;
        this.claimRetryAt = 0;
      }
    } catch (error) {
      this.claimFailures++;
      const retryInMs = Math.min(
        Math.max(this.o.pollMs, 250) * 2 ** Math.min(this.claimFailures - 1, 20),
        MAX_CLAIM_BACKOFF_MS,
      );
      this.claimRetryAt = Date.now() + retryInMs;
      // The stack once per outage; then one line per back-off step.
      if (this.claimFailures === 1) this.o.logger.error({ err: error, retryInMs }, 'job claim failed');
      else {
        const { message, code } = error as { message?: string; code?: unknown };
        this.o.logger.warn(
          { failures: this.claimFailures, retryInMs, reason: message, code },
          'job claim failed again',
        );
      }
    }
  }

  private async claim(): Promise<JobsTable | undefined> {
    const now = Date.now();
    return this.o.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('jobs')
        .selectAll()
        .where('state', '=', 'queued')
        .where((eb) =>
          eb(
            eb
              .selectFrom('jobs as busy')
              .select((b) => b.fn.countAll<number>().as('n'))
              .whereRef('busy.org_id', '=', 'jobs.org_id')
              .where('busy.state', '=', 'running'),
            '<',
            this.o.perOrgConcurrency,
          ),
        )
        .orderBy('created_at')
        .limit(1);
      if (this.o.dialect === 'postgres') query = query.forUpdate().skipLocked();
      const job = await query.executeTakeFirst();
      if (!job) return undefined;
      const claimed = await trx
        .updateTable('jobs')
        .set({
          state: 'running',
          attempt: job.attempt + 1,
          lease_owner: this.owner,
          lease_expires_at: now + this.o.leaseMs,
          started_at: now,
          progress: null,
          progress_message: null,
          result_bytes: 0,
        })
        .where('id', '=', job.id)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) return undefined;
      await trx
        .insertInto('job_runs')
        .values({
          job_id: job.id,
          attempt: job.attempt + 1,
          owner: this.owner,
          started_at: now,
          ended_at: null,
          outcome: null,
        })
        .execute();
      return {
        ...job,
        state: 'running' as const,
        attempt: job.attempt + 1,
        lease_owner: this.owner,
        started_at: now,
      };
    });
  }

  private async run(job: JobsTable, phases: JobPhases): Promise<void> {
    const controller = new AbortController();
    this.running.set(job.id, controller);
    this.emit({ jobId: job.id, state: 'running' });
    phases.add('queued', Math.max(0, (job.started_at ?? job.created_at) - job.created_at));
    const quota = this.o.maxResultBytesPerOrg;
    const sink = new ResultSink(
      this.o.db,
      job.id,
      job.attempt,
      this.o.pageSize,
      this.o.maxResultRows,
      quota === undefined
        ? undefined
        : { orgId: job.org_id, maxBytes: quota, retentionMs: this.o.retentionMs },
      phases,
    );
    // The beat also carries cancellation across processes, so it runs at least every second.
    const heartbeat = setInterval(
      () => void this.renewLease(job, controller),
      Math.min(Math.max(this.o.leaseMs / 3, 100), 1000),
    );
    heartbeat.unref();
    const wall = setTimeout(() => controller.abort(new Error(WALL_TIMEOUT)), this.o.wallTimeoutMs);
    wall.unref();
    let outcome: { state: 'succeeded' | 'failed' | 'cancelled'; error?: string };
    try {
      const handler = this.o.handlers[job.kind];
      if (!handler) throw new JobFailure(`No handler for jobs of kind ${job.kind}`);
      const handled = handler({
        job: {
          id: job.id,
          orgId: job.org_id,
          userId: job.user_id,
          clientId: job.client_id,
          kind: job.kind,
          input: JSON.parse(job.input),
          attempt: job.attempt,
        },
        signal: controller.signal,
        progress: (fraction, message) => phases.time('progress', this.reportProgress(job, fraction, message)),
        sink,
        phases,
      });
      // A handler that does not stop once aborted (a driver call that never returns) must not hold
      // its runner slot for good: past the grace it is left behind and its sink refuses writes.
      await Promise.race([
        handled,
        abandonAfterAbort(controller.signal, handled, sink, this.o.abandonGraceMs, () =>
          this.o.logger.warn(
            { jobId: job.id },
            `a job handler did not stop within ${this.o.abandonGraceMs} ms of its abort; its slot is freed without it`,
          ),
        ),
      ]);
      if (controller.signal.aborted) throw controller.signal.reason;
      await sink.flush();
      outcome = { state: 'succeeded' };
    } catch (error) {
      if (controller.signal.aborted) {
        const reason = controller.signal.reason as Error | undefined;
        if (reason?.message === 'cancelled')
          outcome = { state: 'cancelled', error: 'Cancelled at your request' };
        else if (reason?.message === WALL_TIMEOUT)
          outcome = { state: 'failed', error: wallTimeoutMessage(this.o.wallTimeoutMs) };
        else {
          // Lease lost or shutting down: another attempt (or process) takes it from here.
          clearInterval(heartbeat);
          clearTimeout(wall);
          this.running.delete(job.id);
          await this.recordRunEnd(this.o.db, job, reason?.message ?? 'stopped').catch(() => undefined);
          return;
        }
      } else if (error instanceof JobFailure) {
        outcome = { state: 'failed', error: error.message };
      } else if (isDiskFull(error)) {
        this.o.logger.error({ err: error, jobId: job.id }, 'no space left to store a job result');
        outcome = { state: 'failed', error: DISK_FULL_MESSAGE };
      } else if (error instanceof Error && error.name === 'EngineError') {
        outcome = { state: 'failed', error: error.message };
      } else {
        this.o.logger.error({ err: error, jobId: job.id }, 'job handler failed');
        outcome = {
          state: 'failed',
          error:
            'The job failed because of an internal error; the administrators can find it in the server log.',
        };
      }
    } finally {
      clearInterval(heartbeat);
      clearTimeout(wall);
    }
    try {
      await phases.time('finish', this.finish(job, sink, outcome));
      this.o.logger.debug(
        {
          jobId: job.id,
          kind: job.kind,
          state: outcome.state,
          rows: sink.rowCount,
          phases: phases.summary(),
        },
        'job phases (ms)',
      );
    } catch (error) {
      // The store is unreachable (R7): the job keeps its lease, which runs out with the heartbeat
      // stopped, so the lease sweeper retries it or fails it with the reason. Never an unhandled
      // rejection, which would take the whole process down.
      this.o.logger.error(
        { err: error, jobId: job.id },
        'could not record the end of a job; it will be retried after its lease expires',
      );
    } finally {
      this.running.delete(job.id);
      // A slot is free: take the next queued job now rather than at the next timer tick.
      this.nudge();
    }
  }

  private async finish(
    job: JobsTable,
    sink: ResultSink,
    outcome: { state: 'succeeded' | 'failed' | 'cancelled'; error?: string },
  ) {
    const now = Date.now();
    const published = await this.o.db.transaction().execute(async (trx: Transaction<Database>) => {
      const result = await trx
        .updateTable('jobs')
        .set({
          state: outcome.state,
          error: outcome.error ?? null,
          finished_at: now,
          expires_at: now + this.o.retentionMs,
          lease_owner: null,
          lease_expires_at: null,
          progress: outcome.state === 'succeeded' ? 1 : null,
          // Its pages are deleted below unless it succeeded: they no longer count against the quota.
          ...(outcome.state !== 'succeeded' && { result_bytes: 0 }),
          ...(outcome.state === 'succeeded' && {
            result_columns: JSON.stringify(sink.columns),
            result_row_count: sink.rowCount,
            result_truncated: sink.truncated ? 1 : 0,
          }),
        })
        .where('id', '=', job.id)
        .where('attempt', '=', job.attempt)
        .where('lease_owner', '=', this.owner)
        .where('state', '=', 'running')
        .executeTakeFirst();
      const won = Number(result.numUpdatedRows) > 0;
      await this.recordRunEnd(trx, job, won ? outcome.state : 'lease lost');
      if (won) await this.announce(trx, job.id, outcome.state);
      return won;
    });
    if (!published || outcome.state !== 'succeeded') {
      await this.o.db
        .deleteFrom('job_result_pages')
        .where('job_id', '=', job.id)
        .where('attempt', '=', job.attempt)
        .execute();
    }
    if (published) this.emit({ jobId: job.id, state: outcome.state });
  }

  /**
   * When this worker stopped running `job`, by its own clock. Not conditional on the row being
   * open: a worker that outlived its lease overwrites the sweeper's estimate with the truth, so
   * a run that overlapped its successor shows as one.
   */
  private async recordRunEnd(db: Kysely<Database>, job: JobsTable, outcome: string): Promise<void> {
    await db
      .updateTable('job_runs')
      .set({ ended_at: Date.now(), outcome })
      .where('job_id', '=', job.id)
      .where('attempt', '=', job.attempt)
      .where('owner', '=', this.owner)
      .execute();
  }

  private async renewLease(job: JobsTable, controller: AbortController): Promise<void> {
    try {
      const row = await this.o.db
        .updateTable('jobs')
        .set({ lease_expires_at: Date.now() + this.o.leaseMs })
        .where('id', '=', job.id)
        .where('attempt', '=', job.attempt)
        .where('lease_owner', '=', this.owner)
        .where('state', '=', 'running')
        .returning(['cancel_requested_at'])
        .executeTakeFirst();
      if (!row) controller.abort(new Error('lease lost'));
      else if (row.cancel_requested_at !== null) controller.abort(new Error('cancelled'));
    } catch (error) {
      this.o.logger.warn({ err: error, jobId: job.id }, 'lease renewal failed');
    }
  }

  private async reportProgress(job: JobsTable, fraction: number | null, message?: string): Promise<void> {
    await this.o.db
      .updateTable('jobs')
      .set({ progress: fraction, progress_message: message ?? null })
      .where('id', '=', job.id)
      .where('attempt', '=', job.attempt)
      .execute();
    this.emit({ jobId: job.id, state: 'progress', progress: fraction, message: message ?? null });
  }

  /** Gives a job back to the queue without using up an attempt (shutdown). */
  private async release(jobId: string): Promise<void> {
    const job = await this.o.db
      .selectFrom('jobs')
      .select(['attempt'])
      .where('id', '=', jobId)
      .where('lease_owner', '=', this.owner)
      .executeTakeFirst();
    if (!job) return;
    await this.o.db
      .deleteFrom('job_result_pages')
      .where('job_id', '=', jobId)
      .where('attempt', '=', job.attempt)
      .execute();
    await this.o.db
      .updateTable('jobs')
      .set({
        state: 'queued',
        attempt: job.attempt - 1,
        lease_owner: null,
        lease_expires_at: null,
        result_bytes: 0,
      })
      .where('id', '=', jobId)
      .where('lease_owner', '=', this.owner)
      .where('state', '=', 'running')
      .execute();
  }

  /** Running jobs whose lease ran out before `before`: re-queued, or failed once out of attempts. */
  private async requeueOrphans(before: number): Promise<void> {
    const orphans = await this.o.db
      .selectFrom('jobs')
      .select(['id', 'attempt', 'max_attempts', 'lease_owner', 'lease_expires_at'])
      .where('state', '=', 'running')
      .where('lease_expires_at', '<', before)
      .execute();
    for (const job of orphans) {
      if (job.lease_owner === this.owner && this.running.has(job.id)) continue;
      const exhausted = job.attempt >= job.max_attempts;
      const now = Date.now();
      const result = await this.o.db
        .updateTable('jobs')
        .set(
          exhausted
            ? {
                state: 'failed',
                error: `The worker running this job was lost (attempt ${job.attempt}/${job.max_attempts}): the job exceeded ${job.max_attempts} attempts and was not retried again.`,
                finished_at: now,
                expires_at: now + this.o.retentionMs,
                lease_owner: null,
                lease_expires_at: null,
                result_bytes: 0,
              }
            : { state: 'queued', lease_owner: null, lease_expires_at: null, result_bytes: 0 },
        )
        .where('id', '=', job.id)
        .where('state', '=', 'running')
        .where('attempt', '=', job.attempt)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) {
        // Its worker is gone (or stalled): it should have stopped when its lease ran out.
        await this.o.db
          .updateTable('job_runs')
          .set({ ended_at: job.lease_expires_at, outcome: 'lease expired' })
          .where('job_id', '=', job.id)
          .where('attempt', '=', job.attempt)
          .where('ended_at', 'is', null)
          .execute();
        await this.o.db
          .deleteFrom('job_result_pages')
          .where('job_id', '=', job.id)
          .where('attempt', '=', job.attempt)
          .execute();
        this.o.logger.warn(
          { jobId: job.id, attempt: job.attempt, exhausted },
          'recovered a job whose worker was lost',
        );
        if (exhausted) {
          this.emit({ jobId: job.id, state: 'failed' });
          await this.announce(this.o.db, job.id, 'failed');
        }
      }
    }
  }

  private async sweepExpiredLeases(): Promise<void> {
    try {
      await this.requeueOrphans(Date.now());
    } catch (error) {
      this.o.logger.warn({ err: error }, 'lease sweep failed');
    }
  }

  /** Terminal jobs past their retention: pages deleted, state `expired`. Never touches live jobs. */
  async purgeExpiredResults(now = Date.now()): Promise<number> {
    const expired = await this.o.db
      .selectFrom('jobs')
      .select('id')
      .where('state', 'in', ['succeeded', 'failed', 'cancelled'])
      .where('expires_at', '<', now)
      .limit(500)
      .execute();
    for (const { id } of expired) {
      await this.o.db.deleteFrom('job_result_pages').where('job_id', '=', id).execute();
      await this.o.db
        .updateTable('jobs')
        .set({ state: 'expired', result_bytes: 0 })
        .where('id', '=', id)
        .where('state', 'in', ['succeeded', 'failed', 'cancelled'])
        .execute();
    }
    return expired.length;
  }

  /** Tells the other processes (PostgreSQL delivers it at commit, drops it on rollback). */
  private async announce(db: Kysely<Database>, jobId: string, state: string): Promise<void> {
    if (this.o.dialect !== 'postgres') return;
    await sql`SELECT pg_notify(${JOB_EVENTS_CHANNEL}, ${`${this.owner} ${jobId} ${state}`})`.execute(db);
  }

  private emit(event: JobEvent): void {
    this.events.emit(event.jobId, event);
    this.events.emit('*', event);
  }
}
