// Chart.js (vendored by `make web-assets` from the npm registry into static/vendor/), loaded
// on first use, with the dashboard's few chart shapes. No time adapter: time axes are
// category axes with formatted labels.

let loading = null;

export function loadChartJs() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/static/vendor/chart.umd.min.js";
      script.onload = () => resolve(window.Chart);
      script.onerror = () => {
        loading = null;
        reject(new Error("Chart.js is missing from static/vendor/: run `make web-assets`."));
      };
      document.head.append(script);
    });
  }
  return loading;
}

// Colours for series; detector types keep their colour across charts.
export const PALETTE = ["#4f46e5", "#e0475b", "#f59e0b", "#10b981", "#0ea5e9", "#a855f7", "#ec4899", "#64748b", "#84cc16", "#14b8a6"];

export function colorFor(index) {
  return PALETTE[index % PALETTE.length];
}

// A time label for a bucket start, as short as the bucket size allows.
export function bucketLabel(iso, bucketSeconds) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const md = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  if (bucketSeconds >= 86400) return md;
  if (bucketSeconds >= 3600) return `${md} ${hm}`;
  return hm;
}

const BASE = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  interaction: { mode: "index", intersect: false },
  plugins: { legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } } },
};

export function baseOptions(overrides = {}) {
  return deepMerge(structuredClone(BASE), overrides);
}

function deepMerge(target, source) {
  for (const [key, value] of Object.entries(source)) {
    if (value && typeof value === "object" && !Array.isArray(value) && typeof target[key] === "object" && target[key] !== null) {
      deepMerge(target[key], value);
    } else {
      target[key] = value;
    }
  }
  return target;
}

// Vertical dashed lines at fractional x positions of a category axis, with a label on top:
// leave layout.padding.top ≥ 40 for the labels. marks = [{x: 3.4, label: "p95 120 ms", color}], x in bars: 3.0 = the left edge of bar 3, 3.5 its middle.
export const markersPlugin = {
  id: "markers",
  afterDatasetsDraw(chart, _args, options) {
    const marks = options.marks || [];
    if (!marks.length) return;
    const { ctx, chartArea, scales } = chart;
    const x = scales.x;
    ctx.save();
    marks.forEach((mark, i) => {
      const step = x.getPixelForValue(1) - x.getPixelForValue(0);
      const px = x.getPixelForValue(0) + (mark.x - 0.5) * step; // bar i spans [i - 0.5, i + 0.5]
      ctx.strokeStyle = mark.color;
      ctx.fillStyle = mark.color;
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      const y = chartArea.top - 30 + i * 13;
      ctx.moveTo(px, y + 3);
      ctx.lineTo(px, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.fillText(mark.label, px, y);
    });
    ctx.restore();
  },
};
