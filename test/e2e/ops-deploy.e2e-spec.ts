/**
 * The operations kit against a started app: every Kubernetes manifest parses and points at
 * real routes and ports, the environment it sets passes the app's own config validation,
 * and every herald_* series the Grafana dashboard and the alert rules name is exported.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { SHUTDOWN_DEADLINE_MS } from '../../src/bootstrap';
import { loadConfig } from '../../src/config';
import { startTestApp, type TestApp } from '../support/app';
import { http } from '../support/clients';
import { TEST_JWT_SECRET } from '../support/tokens';

const ROOT = path.resolve(__dirname, '../..');
const K8S = path.join(ROOT, 'deploy/k8s');

interface Manifest {
  file: string;
  kind: string;
  apiVersion: string;
  metadata: { name: string; annotations?: Record<string, string> };
  [key: string]: unknown;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : [],
  );
}

function loadManifests(dir: string): Manifest[] {
  return yamlFiles(dir).flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
      expect(doc.errors).toEqual([]);
      return { ...(doc.toJSON() as Manifest), file: path.relative(ROOT, file) };
    }),
  );
}

/** Metric names in a PromQL text: herald_ followed by name characters. */
function metricNames(text: string): string[] {
  return [...new Set(text.match(/\bherald_[a-zA-Z0-9_:]+/g) ?? [])];
}

/** Series names a /metrics page can produce, from its TYPE lines (histograms with their suffixes). */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

describe('operations kit', () => {
  let app: TestApp;
  let exported: Set<string>;

  beforeAll(async () => {
    app = await startTestApp({ redis: true });
    const metrics = await http<string>(app.url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    exported = exportedNames(metrics.body);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('deploy/k8s', () => {
    const base = loadManifests(path.join(K8S, 'base')).filter((m) => m.kind !== 'Kustomization');
    // Parsed YAML is walked by path below; the assertions are its type check.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const one = <T = Record<string, any>>(kind: string) => {
      const found = base.filter((m) => m.kind === kind);
      expect(found).toHaveLength(1);
      return found[0] as unknown as T & Manifest;
    };
    const deployment = one('Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const configMap = one('ConfigMap');

    it('has every object an operator needs, and the kustomizations list only files that exist', () => {
      expect(base.map((m) => m.kind).sort()).toEqual(
        ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceMonitor'].sort(),
      );
      for (const file of yamlFiles(K8S).filter((f) => path.basename(f) === 'kustomization.yaml')) {
        const k = parseYaml(readFileSync(file, 'utf8')) as { resources?: string[]; patches?: Array<{ path?: string }> };
        for (const ref of [...(k.resources ?? []), ...(k.patches ?? []).flatMap((p) => (p.path ? [p.path] : []))]) {
          expect(existsSync(path.resolve(path.dirname(file), ref))).toBe(true);
        }
      }
    });

    it('probes point at health routes that answer 200 on the container port the app listens on', async () => {
      const port = container.ports.find((p: { name: string }) => p.name === 'http');
      expect(port.containerPort).toBe(Number(configMap.data.PORT));
      const probes = [container.startupProbe, container.livenessProbe, container.readinessProbe];
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      for (const probe of probes) {
        expect(probe.httpGet.port).toBe('http');
        expect((await http(app.url, 'GET', probe.httpGet.path)).status).toBe(200);
      }
    });

    it('gives the pod longer than preStop + drain + the shutdown deadline to stop', () => {
      const preStop = container.lifecycle.preStop.exec.command as string[];
      expect(preStop[0]).toBe('sleep');
      const needMs = Number(preStop[1]) * 1000 + Number(configMap.data.SHUTDOWN_DRAIN_DELAY_MS) + SHUTDOWN_DEADLINE_MS;
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(needMs);
    });

    it('wires Service, Ingress, ServiceMonitor, PDB and HPA to the pods and to real routes', async () => {
      const labels = deployment.spec.template.metadata.labels;
      const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
      const service = one('Service');
      expect(matches(service.spec.selector)).toBe(true);
      expect(service.spec.ports[0].targetPort).toBe('http');
      expect(matches(one('PodDisruptionBudget').spec.selector.matchLabels)).toBe(true);
      expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
      const hpa = one('HorizontalPodAutoscaler');
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });

      const monitor = one('ServiceMonitor');
      expect(matches(monitor.spec.selector.matchLabels)).toBe(true);
      expect(monitor.spec.endpoints[0].port).toBe(service.spec.ports[0].name);
      expect((await http<string>(app.url, 'GET', monitor.spec.endpoints[0].path)).body).toContain('herald_connections');

      const ingress = one('Ingress');
      const annotations = ingress.metadata.annotations ?? {};
      expect(annotations['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']) * 1000).toBeGreaterThan(Number(configMap.data.HEARTBEAT_INTERVAL_MS));
      const paths = ingress.spec.rules[0].http.paths as Array<{ path: string; backend: { service: { name: string; port: { name: string } } } }>;
      for (const p of paths) expect(p.backend.service).toEqual({ name: service.metadata.name, port: { name: 'http' } });
      // The public paths reach the app; /metrics is not among them.
      expect(paths.map((p) => p.path).sort()).toEqual(['/api', '/console', '/socket.io']);
      expect((await http(app.url, 'GET', '/console')).status).toBe(200);
      expect((await http(app.url, 'GET', '/socket.io/?EIO=4&transport=polling')).status).toBe(200);
    });

    it("sets an environment the app's own validation accepts in production", () => {
      const secret = one('Secret');
      const env = { ...configMap.data, ...secret.stringData } as Record<string, string>;
      const config = loadConfig(env, () => 'unused');
      expect(config.nodeEnv).toBe('production');
      expect(config.databaseUrl).toMatch(/^postgresql:/);
      expect(config.redisUrl).toMatch(/^redis:/);
    });

    const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find(existsSync);
    (kubectl ? it : it.skip)('renders with kubectl kustomize, base and production overlay', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'herald-k8s-'));
      try {
        cpSync(K8S, dir, { recursive: true });
        // The overlay's secret file is never committed; a stand-in lets it render.
        writeFileSync(path.join(dir, 'overlays/production/herald.env'), 'DATABASE_URL=postgresql://h@db/h\nJWT_SECRET=x\n');
        const rendered = execFileSync(kubectl!, ['kustomize', path.join(dir, 'overlays/production')], { encoding: 'utf8' });
        const kinds = parseAllDocuments(rendered).map((d) => (d.toJSON() as Manifest).kind);
        expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'Ingress', 'ServiceMonitor']));
        expect(rendered).toContain('namespace: herald');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('dashboard and alerts', () => {
    const check = (names: string[]) => {
      const missing = names.filter((n) => !exported.has(n));
      expect(missing).toEqual([]);
    };

    it('the Grafana dashboard queries only series the app exports', () => {
      const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'deploy/grafana/herald.json'), 'utf8')) as {
        panels: Array<{ type: string; targets?: Array<{ expr: string }> }>;
      };
      const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
      expect(exprs.length).toBeGreaterThan(10);
      const names = metricNames(exprs.join('\n'));
      for (const needed of ['herald_connections', 'herald_events_published_total', 'herald_events_delivered_total', 'herald_publish_to_emit_seconds_bucket', 'herald_rejected_connections_total', 'herald_job_runs_total']) {
        expect(names).toContain(needed);
      }
      check(names);
    });

    it('the alert rules cover readiness, Redis, refusals, slow consumers, latency, jobs and gap repairs, on exported series', () => {
      const rules = parseYaml(readFileSync(path.join(ROOT, 'deploy/prometheus/alerts.yaml'), 'utf8')) as {
        groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }> }>;
      };
      const all = rules.groups.flatMap((g) => g.rules);
      for (const rule of all) {
        expect(rule.labels.severity).toMatch(/^(critical|warning)$/);
        expect(rule.annotations.summary).toBeTruthy();
      }
      const byMetric = (metric: string) => all.filter((r) => r.expr.includes(metric)).map((r) => r.alert);
      for (const metric of ['herald_ready', 'herald_redis_up', 'herald_rejected_connections_total', 'herald_dropped_frames_total', 'herald_publish_to_emit_seconds_bucket', 'herald_job_runs_total', 'herald_gap_repairs_total']) {
        expect(byMetric(metric).length).toBeGreaterThan(0);
      }
      check(metricNames(all.map((r) => r.expr).join('\n')));
    });
  });

  describe('the image', () => {
    it('starts the app with the very command npm start runs (same Node.js flags), node as PID 1', () => {
      const start = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
      const cmd = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').match(/^CMD (\[.*\])$/m);
      expect(cmd).not.toBeNull();
      expect((JSON.parse(cmd![1]) as string[]).join(' ')).toBe(start);
    });
  });

  describe('token CLI in the image', () => {
    it('node dist/cli/token.js mints a token the app accepts, with no tsx on the path', () => {
      const cli = path.join(ROOT, 'dist/cli/token.js');
      // npm test builds first; a single-file run needs `npm run build` once.
      expect(existsSync(cli)).toBe(true);
      const minted = execFileSync(process.execPath, [cli, '--sub', 'ops-cli', '--roles', 'admin', '--ttl', '5m'], {
        env: { PATH: path.dirname(process.execPath), JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: 'production', CORS_ORIGINS: 'https://x.example' },
        encoding: 'utf8',
      }).trim();
      return http(app.url, 'GET', '/api/websocket-status', { token: minted }).then((res) => expect(res.status).toBe(200));
    });
  });
});
