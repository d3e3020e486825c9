package io.cdcsentinel.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The benchmark's output: a Markdown table (one line per {@link Figure}, with how it was measured underneath) and
 * a PNG with the throughputs next to their baselines and the latency distributions.
 */
public final class BenchReport {
    public static final String MARKDOWN = "bench.md";
    public static final String CHART = "bench.png";

    private final String command;
    private final Instant started;
    private final Duration took;
    private final List<Figure> figures;
    private final List<LatencyRecorder> latencies;
    private final List<String> notes;

    public BenchReport(String command, Instant started, Duration took, List<Figure> figures,
            List<LatencyRecorder> latencies, List<String> notes) {
        this.command = command;
        this.started = started;
        this.took = took;
        this.figures = List.copyOf(figures);
        this.latencies = List.copyOf(latencies);
        this.notes = List.copyOf(notes);
    }

    public List<Figure> figures() {
        return figures;
    }

    public List<LatencyRecorder> latencies() {
        return latencies;
    }

    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# cdc-sentinel benchmark\n\n");
        md.append(String.format("`%s`, %s, on %s; took %d min %02d s.%n%n", command, started.toString().substring(0, 19)
                + "Z", Machine.describe(), took.toMinutes(), took.toSecondsPart()));
        md.append("Every ratio compares with a baseline measured in the same run, on the same input, doing the least"
                + " possible work; absolute numbers are for context. Nothing here is asserted by a test.\n\n");
        md.append("| figure | measured | baseline (same run) | ratio | goal | met |\n");
        md.append("|---|---:|---|---:|---|:---:|\n");
        for (Figure f : figures) {
            md.append("| ").append(f.name())
                    .append(" | ").append(format(f.value())).append(' ').append(f.unit())
                    .append(" | ").append(f.hasBaseline() ? f.baseline() + ": " + format(f.baselineValue()) + " "
                            + f.unit() : "")
                    .append(" | ").append(f.hasBaseline() ? String.format("%.2f", f.ratio()) : "")
                    .append(" | ").append(f.goal() == null ? "" : f.goal())
                    .append(" | ").append(f.goalMet() == null ? "" : f.goalMet() ? "yes" : "**no**")
                    .append(" |\n");
        }
        md.append("\nHow each figure was measured:\n\n");
        for (Figure f : figures) {
            if (f.detail() != null) {
                md.append("- **").append(f.name()).append("**: ").append(f.detail()).append('\n');
            }
        }
        if (!notes.isEmpty()) {
            md.append('\n');
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        md.append("\n![throughput and latency](").append(CHART).append(")\n");
        return md.toString();
    }

    /** Writes {@value #MARKDOWN} and {@value #CHART} into {@code dir} (replacing the previous ones). */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(MARKDOWN), markdown(), StandardCharsets.UTF_8);
        ImageIO.write(chart(), "png", dir.resolve(CHART).toFile());
    }

    BufferedImage chart() {
        List<JFreeChart> charts = new ArrayList<>();
        DefaultCategoryDataset throughput = new DefaultCategoryDataset();
        for (Figure f : figures) {
            if (f.hasBaseline()) {
                String category = shortName(f.name()) + " (" + f.unit() + ")";
                throughput.addValue(f.value(), "measured", category);
                throughput.addValue(f.baselineValue(), "baseline", category);
            }
        }
        if (throughput.getColumnCount() > 0) {
            JFreeChart bars = ChartFactory.createBarChart("Throughput against same-run baselines", null, "per second",
                    throughput, PlotOrientation.HORIZONTAL, true, false, false);
            charts.add(bars);
        }
        XYSeriesCollection curves = new XYSeriesCollection();
        for (LatencyRecorder l : latencies) {
            if (l.count() == 0) {
                continue;
            }
            XYSeries series = new XYSeries(l.name());
            for (double[] p : l.percentileCurve()) {
                // x = 1 / (1 - percentile): equal room for p50, p90, p99, p99.9
                series.addOrUpdate(1.0 / Math.max(1e-6, 1 - p[0] / 100.0), p[1]);
            }
            curves.addSeries(series);
        }
        if (curves.getSeriesCount() > 0) {
            JFreeChart lines = ChartFactory.createXYLineChart("Latency distribution", "percentile", "latency (ms)",
                    curves, PlotOrientation.VERTICAL, true, false, false);
            XYPlot plot = lines.getXYPlot();
            LogAxis x = new LogAxis("percentile (log scale of 1 / (1 - p): 2 = p50, 10 = p90, 100 = p99, 1000 = p99.9)");
            x.setSmallestValue(1);
            plot.setDomainAxis(x);
            charts.add(lines);
        }
        int width = 1100;
        int height = 420;
        BufferedImage image = new BufferedImage(width, Math.max(1, charts.size()) * height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            charts.get(i).draw(g, new java.awt.geom.Rectangle2D.Double(0, i * height, width, height));
        }
        g.dispose();
        return image;
    }

    private static String shortName(String name) {
        int colon = name.indexOf(':');
        return colon > 0 ? name.substring(0, colon) : name;
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format("%,.0f", v);
        }
        if (a >= 10) {
            return String.format("%.1f", v);
        }
        return String.format("%.2f", v);
    }
}
