/**
 * The service's Prometheus metrics (prom-client, one registry per server so tests can run several):
 * questions, abstentions, tentative answers, answer latency, the index build served, errors, and Node's process metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly questions = new Counter({ name: 'verbatim_questions_total', help: 'Questions answered (abstentions included).', registers: [this.registry] });
  private readonly abstentions = new Counter({ name: 'verbatim_abstentions_total', help: 'Questions the engine declined to answer.', registers: [this.registry] });
  private readonly tentative = new Counter({
    name: 'verbatim_tentative_answers_total',
    help: 'Questions answered with the closest passages under "not sure these answer it".',
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'verbatim_answer_duration_seconds',
    help: 'Time to answer one question in the engine.',
    buckets: [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12],
    registers: [this.registry],
  });
  private readonly build = new Gauge({ name: 'verbatim_index_build_info', help: 'The index build being served (value 1).', labelNames: ['build_id'], registers: [this.registry] });
  private readonly errors = new Counter({
    name: 'verbatim_http_errors_total',
    help: 'Error responses by status (4xx refused requests, 5xx failures).',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private servedBuild: string | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'verbatim_' });
  }

  /**
   * Records one answer.
   *
   * @example
   * metrics.answered(answer, answer.ms / 1000);
   */
  answered(answer: { abstained: boolean; tentative?: boolean }, seconds: number): void {
    this.questions.inc();
    if (answer.abstained) this.abstentions.inc();
    if (answer.tentative) this.tentative.inc();
    this.latency.observe(seconds);
  }

  /** Records an error response, e.g. `metrics.error(429)`. */
  error(status: number): void {
    this.errors.inc({ status: String(status) });
  }

  /** Sets the build served (one labelled series), e.g. `metrics.serving('20261130T120000-ab12cd')`. */
  serving(buildId: string | undefined): void {
    if (buildId === this.servedBuild) return;
    this.build.reset();
    if (buildId) this.build.set({ build_id: buildId }, 1);
    this.servedBuild = buildId;
  }
}
