package dev.ordinal.bench;

import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * SVG charts for the benchmark documents (JFreeChart drawn into JFreeSVG), reusable by any bench: grouped bars
 * (throughput, latency percentiles) and step timelines (e.g. pods Ready over time in a rollout, one series per
 * controller). Everything is drawn headless; the caller writes the returned SVG where the docs link it.
 */
public final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
        // Rotated labels (categories, the value axis) as SVG text rather than glyph outlines: smaller and searchable.
        org.jfree.chart.text.TextUtils.setUseDrawRotatedStringWorkaround(false);
    }

    private Charts() {}

    /** One bar series (legend entry): category (x label) to value, drawn in insertion order. */
    public record Series(String name, Map<String, Double> values) {}

    /** One timeline series: points (x, y), drawn as steps (the value holds until the next point). */
    public record Line(String name, List<double[]> points) {}

    /**
     * Grouped vertical bars: one group per category, one bar per series. {@code logScale} for values spanning
     * orders of magnitude (latency percentiles).
     */
    public static String bars(
            String title,
            String categoryLabel,
            String valueLabel,
            List<Series> series,
            boolean logScale,
            int width,
            int height) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Series s : series) {
            s.values().forEach((category, value) -> data.addValue(value, s.name(), category));
        }
        JFreeChart chart = ChartFactory.createBarChart(
                title, categoryLabel, valueLabel, data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        plot.getDomainAxis().setMaximumCategoryLabelLines(2);
        if (logScale) {
            org.jfree.chart.axis.LogAxis axis = new org.jfree.chart.axis.LogAxis(valueLabel);
            axis.setSmallestValue(0.01);
            axis.setBase(10);
            axis.setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createStandardTickUnits());
            plot.setRangeAxis(axis);
        }
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.02);
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return svg(chart, width, height);
    }

    /** Step lines over time, e.g. pods Ready (y) against seconds since apply (x), one line per series. */
    public static String timeline(String title, String xLabel, String yLabel, List<Line> lines, int width, int height) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Line line : lines) {
            XYSeries series = new XYSeries(line.name(), true, true);
            for (double[] p : line.points()) {
                series.addOrUpdate(p[0], p[1]);
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(
                title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setRenderer(new XYStepRenderer());
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        return svg(chart, width, height);
    }

    /** Writes {@code svg} to {@code file}, creating its directory. */
    public static void write(Path file, String svg) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, svg);
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        chart.setAntiAlias(true);
    }

    private static String svg(JFreeChart chart, int width, int height) {
        SVGGraphics2D g2 = new SVGGraphics2D(width, height);
        chart.draw(g2, new Rectangle(0, 0, width, height));
        return g2.getSVGDocument();
    }
}
