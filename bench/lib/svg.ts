/** A hand-written SVG plot (no dependencies): per scenario, throughput and latency of A and B side by side. */

export interface PlotMetric {
  label: string;
  unit: string;
  A?: number;
  B?: number;
}

export interface PlotPanel {
  id: string;
  title: string;
  throughput?: PlotMetric;
  latency?: PlotMetric;
}

const W = 360;
const H = 210;
const COLS = 2;
const COLOR = { A: '#8c8c8c', B: '#2f6fdf' } as const;

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

function short(v: number): string {
  if (v >= 10_000) return `${(v / 1000).toFixed(0)}k`;
  if (v >= 1000) return `${(v / 1000).toFixed(1)}k`;
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function bars(metric: PlotMetric | undefined, x: number, y: number, width: number, height: number): string {
  if (!metric) return `<text x="${x + width / 2}" y="${y + height / 2}" text-anchor="middle" fill="#999">n/a</text>`;
  const max = Math.max(metric.A ?? 0, metric.B ?? 0) || 1;
  const bw = width / 4;
  let out = `<text x="${x + width / 2}" y="${y - 6}" text-anchor="middle" font-size="11">${escapeXml(metric.label)} (${escapeXml(metric.unit)})</text>`;
  (['A', 'B'] as const).forEach((sys, i) => {
    const v = metric[sys];
    const bx = x + bw * (0.5 + i * 1.75);
    if (v === undefined) {
      out += `<text x="${bx + bw / 2}" y="${y + height - 4}" text-anchor="middle" font-size="10" fill="#999">n/a</text>`;
    } else {
      const bh = Math.max(1, (v / max) * (height - 16));
      out += `<rect x="${bx}" y="${y + height - bh}" width="${bw}" height="${bh}" fill="${COLOR[sys]}"/>`;
      out += `<text x="${bx + bw / 2}" y="${y + height - bh - 3}" text-anchor="middle" font-size="10">${short(v)}</text>`;
    }
    out += `<text x="${bx + bw / 2}" y="${y + height + 12}" text-anchor="middle" font-size="10">${sys}</text>`;
  });
  return out;
}

export function renderSvg(panels: PlotPanel[], caption: string): string {
  const rows = Math.ceil(panels.length / COLS);
  const width = COLS * W;
  const height = rows * H + 50;
  let body = '';
  panels.forEach((p, i) => {
    const px = (i % COLS) * W;
    const py = 40 + Math.floor(i / COLS) * H;
    body += `<g><rect x="${px + 4}" y="${py + 4}" width="${W - 8}" height="${H - 8}" fill="none" stroke="#ddd"/>`;
    body += `<text x="${px + 12}" y="${py + 22}" font-size="12" font-weight="bold">${escapeXml(p.id)} ${escapeXml(p.title)}</text>`;
    body += bars(p.throughput, px + 16, py + 50, W / 2 - 24, H - 80);
    body += bars(p.latency, px + W / 2 + 8, py + 50, W / 2 - 24, H - 80);
    body += '</g>';
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="12" y="18" font-size="13" font-weight="bold">Herald bench: A = bare socket.io (grey), B = Herald (blue); medians</text>` +
    `<text x="12" y="34" font-size="10" fill="#555">${escapeXml(caption)}</text>` +
    body +
    '</svg>\n'
  );
}
