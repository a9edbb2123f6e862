package dev.ordinal.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChartsTest {

    @Test
    void barsDrawEverySeriesAndCategoryIntoAnSvgDocument() {
        Map<String, Double> jvm = new LinkedHashMap<>();
        jvm.put("no-op baseline", 1.0);
        jvm.put("validate CREATE", 0.93);
        Map<String, Double> nat = new LinkedHashMap<>();
        nat.put("no-op baseline", 1.0);
        nat.put("validate CREATE", 0.61);
        String svg = Charts.bars(
                "Throughput",
                "scenario",
                "× no-op",
                List.of(new Charts.Series("JVM/pinned", jvm), new Charts.Series("native/pinned", nat)),
                false,
                800,
                400);
        assertThat(svg)
                .contains("<svg ")
                .contains("Throughput", "JVM/pinned", "native/pinned", "validate CREATE")
                .contains("<rect");
    }

    @Test
    void logScaleBarsAndTimelinesRender() {
        String latency = Charts.bars(
                "Latency",
                "scenario",
                "ms",
                List.of(new Charts.Series("p99", Map.of("mutate", 0.5, "validate", 120.0))),
                true,
                600,
                300);
        assertThat(latency).contains("<svg ").contains("p99", "mutate");
        String timeline = Charts.timeline(
                "Rollout",
                "seconds since apply",
                "pods Ready",
                List.of(
                        new Charts.Line(
                                "Ordinal", List.of(new double[] {0, 0}, new double[] {1.5, 1}, new double[] {3, 2})),
                        new Charts.Line("StatefulSet", List.of(new double[] {0, 0}, new double[] {2, 1}))),
                600,
                300);
        assertThat(timeline).contains("<svg ").contains("Rollout", "Ordinal", "StatefulSet", "<path");
    }
}
