/** The part of autocannon's programmatic API the REST benchmark uses (the package ships no types). */
declare module 'autocannon' {
  function autocannon(options: autocannon.Options): autocannon.Instance;

  namespace autocannon {
    interface Histogram {
      average: number;
      min: number;
      max: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface RawRequest {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
    }

    interface Request extends RawRequest {
      setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest;
    }

    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      requests?: Request[];
      overallRate?: number;
      timeout?: number;
    }

    interface Result {
      requests: Histogram & { total: number };
      latency: Histogram;
      throughput: Histogram & { total: number };
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
    }

    interface Instance extends PromiseLike<Result> {
      stop(): void;
      on(
        event: 'response',
        listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
      ): this;
    }
  }
  export = autocannon;
}
