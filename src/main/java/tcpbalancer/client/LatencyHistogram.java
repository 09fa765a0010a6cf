package tcpbalancer.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Latencies of a run in microseconds (HdrHistogram, 3 significant digits, up to an hour), reported in milliseconds:
 * percentiles, the percentile distribution, and HdrHistogram's .hgrm text that its plotters read.
 */
final class LatencyHistogram {

  /** HdrHistogram's own default, so the JSON distribution has the rows of the .hgrm file. */
  static final int PERCENTILE_TICKS_PER_HALF_DISTANCE = 5;
  private static final double MICROS_PER_MILLI = 1000.0;

  private final Histogram micros = new Histogram(TimeUnit.HOURS.toMicros(1), 3);

  void record(long latencyNanos) {
    micros.recordValue(Math.min(micros.getHighestTrackableValue(), Math.max(0, latencyNanos / 1_000)));
  }

  void add(LatencyHistogram other) {
    micros.add(other.micros);
  }

  double percentileMillis(double percentile) {
    return micros.getTotalCount() == 0 ? 0 : micros.getValueAtPercentile(percentile) / MICROS_PER_MILLI;
  }

  double maxMillis() {
    return micros.getTotalCount() == 0 ? 0 : micros.getMaxValue() / MICROS_PER_MILLI;
  }

  /**
   * The rows of HdrHistogram's percentile iteration: each {@code percentile} (0..100), the latency {@code ms} it
   * reaches, and the {@code count} of latencies since the previous row; the last row is the 100th percentile, the
   * max. Empty when nothing was recorded.
   */
  JsonArray distribution() {
    JsonArray rows = new JsonArray();
    for (HistogramIterationValue step : micros.percentiles(PERCENTILE_TICKS_PER_HALF_DISTANCE)) {
      rows.add(new JsonObject()
        .put("percentile", step.getPercentileLevelIteratedTo())
        .put("ms", step.getValueIteratedTo() / MICROS_PER_MILLI)
        .put("count", step.getCountAddedInThisIterationStep()));
    }
    return rows;
  }

  /** HdrHistogram's percentile distribution text (.hgrm), values in milliseconds. */
  String hgrm() {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(text, false, StandardCharsets.UTF_8)) {
      micros.outputPercentileDistribution(out, PERCENTILE_TICKS_PER_HALF_DISTANCE, MICROS_PER_MILLI);
    }
    return text.toString(StandardCharsets.UTF_8);
  }
}
