package tcpbalancer.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a client run did: counts, bytes, rates, latencies ({@link LatencyHistogram}) and the spread over
 * backends. Each lane of a run keeps its own, updated from its event loop only; they are added up when the run is
 * over.
 */
public final class RunReport {

  private final ClientOptions options;
  private final int imagesPerRound;
  private final List<String> skippedFiles;
  private final LatencyHistogram latency = new LatencyHistogram();
  private final Map<String, Long> backends = new TreeMap<>();
  private final Map<String, String> failures = new LinkedHashMap<>();
  private final long startNanos = System.nanoTime();
  private long endNanos;
  private long sent;
  private long resized;
  private long failed;
  private long resent;
  private long answers;
  private long written;
  private long connections;
  private long bytesSent;
  private long bytesReceived;
  /** The lanes added up into this report: the event loops the run was spread over. */
  private int eventLoops;

  RunReport(ClientOptions options, int imagesPerRound, List<String> skippedFiles) {
    this.options = options;
    this.imagesPerRound = imagesPerRound;
    this.skippedFiles = List.copyOf(skippedFiles);
  }

  void imageSent() {
    sent++;
  }

  void resent() {
    resent++;
  }

  void connectionOpened() {
    connections++;
  }

  /** An answer from {@code backend}, final or not (a busy answer is one too). */
  void answered(String backend) {
    answers++;
    backends.merge(backend.isEmpty() ? "(unnamed)" : backend, 1L, Long::sum);
  }

  /** An image's final answer came {@code latencyNanos} after its first send: resends and waits included. */
  void latency(long latencyNanos) {
    latency.record(latencyNanos);
  }

  /** Result files this lane wrote (each once, however many rounds wrote it). */
  void filesWritten(long files) {
    written += files;
  }

  void bytes(long sentBytes, long receivedBytes) {
    bytesSent += sentBytes;
    bytesReceived += receivedBytes;
  }

  void resized() {
    resized++;
  }

  /** A request that failed for good; the first reason per file is kept for the list. */
  void failed(String file, String reason) {
    failed++;
    failures.putIfAbsent(file, reason);
  }

  void finish() {
    endNanos = System.nanoTime();
  }

  /** Adds what one lane of the run did (its counts, bytes, latencies, backends and failures) to this report. */
  void add(RunReport lane) {
    eventLoops++;
    sent += lane.sent;
    resized += lane.resized;
    failed += lane.failed;
    resent += lane.resent;
    answers += lane.answers;
    written += lane.written;
    connections += lane.connections;
    bytesSent += lane.bytesSent;
    bytesReceived += lane.bytesReceived;
    latency.add(lane.latency);
    lane.backends.forEach((backend, count) -> backends.merge(backend, count, Long::sum));
    lane.failures.forEach(failures::putIfAbsent);
  }

  public long sent() {
    return sent;
  }

  public long resizedCount() {
    return resized;
  }

  public long failedCount() {
    return failed;
  }

  public Map<String, String> failures() {
    return failures;
  }

  public Map<String, Long> backends() {
    return backends;
  }

  /** 0 when every image was resized (in a dry run: every request answered), else 1; a folder without images is 1. */
  public int exitCode() {
    return imagesPerRound > 0 && failed == 0 && resized == (long) imagesPerRound * options.times() ? 0 : 1;
  }

  private double seconds() {
    return Math.max(1e-9, (endNanos - startNanos) / 1e9);
  }

  /** The latencies as HdrHistogram's percentile distribution text (.hgrm), in milliseconds. */
  String histogramText() {
    return latency.hgrm();
  }

  public JsonObject toJson() {
    JsonObject latencyMillis = new JsonObject()
      .put("p50", latency.percentileMillis(50)).put("p90", latency.percentileMillis(90))
      .put("p99", latency.percentileMillis(99)).put("max", latency.maxMillis())
      .put("distribution", latency.distribution());
    JsonArray failureList = new JsonArray();
    failures.forEach((file, reason) -> failureList.add(new JsonObject().put("file", file).put("reason", reason)));
    return new JsonObject()
      .put("proxy", options.proxy().toString())
      .put("dryRun", options.dryRun())
      .put("width", options.width())
      .put("height", options.height())
      .put("rounds", options.times())
      .put("images", new JsonObject().put("sent", sent).put("resized", resized).put("failed", failed)
        .put("skipped", skippedFiles.size()).put("resent", resent).put("written", written))
      .put("failures", failureList)
      .put("skippedFiles", new JsonArray(skippedFiles))
      .put("bytes", new JsonObject().put("sent", bytesSent).put("received", bytesReceived))
      .put("connections", connections)
      .put("eventLoops", eventLoops)
      .put("seconds", seconds())
      .put("connectionsPerSecond", connections / seconds())
      .put("requestsPerSecond", answers / seconds())
      .put("latencyMillis", latencyMillis)
      .put("backends", new JsonObject(new LinkedHashMap<>(backends)))
      .put("exitCode", exitCode());
  }

  public String toText() {
    StringBuilder text = new StringBuilder();
    String what = options.dryRun() ? "dry run" : options.width() + "x" + options.height() + " (" + options.mode().name()
      .toLowerCase(Locale.ROOT) + ")";
    line(text, "tcpbalancer client: %d images x %d round%s through %s, %s", imagesPerRound, options.times(),
      options.times() == 1 ? "" : "s", options.proxy(), what);
    line(text, "  images      %d sent, %d %s, %d failed, %d skipped%s", sent, resized,
      options.dryRun() ? "answered" : "resized", failed, skippedFiles.size(), resent > 0 ? ", " + resent + " resent" : "");
    line(text, "  bytes       %s sent, %s received", size(bytesSent), size(bytesReceived));
    line(text, "  rate        %.2f s: %.1f connections/s, %.1f requests/s", seconds(), connections / seconds(),
      answers / seconds());
    line(text, "  latency     p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", latency.percentileMillis(50),
      latency.percentileMillis(90), latency.percentileMillis(99), latency.maxMillis());
    List<String> spread = new ArrayList<>();
    backends.forEach((name, count) -> spread.add(name + " " + count));
    line(text, "  backends    %s", spread.isEmpty() ? "(none answered)" : String.join(", ", spread));
    if (!options.dryRun()) {
      line(text, "  output      %d files written in %s", written, options.output());
    }
    if (imagesPerRound == 0) {
      line(text, "no image (JPEG, PNG, WebP, BMP, TIFF, GIF) in %s: nothing was sent", options.input());
    }
    if (!skippedFiles.isEmpty()) {
      line(text, "skipped (not a regular image file): %s", String.join(", ", skippedFiles));
    }
    if (!failures.isEmpty()) {
      line(text, "failed:");
      failures.forEach((file, reason) -> line(text, "  %s: %s", file, reason));
    }
    return text.toString();
  }

  private static void line(StringBuilder text, String format, Object... args) {
    text.append(String.format(Locale.ROOT, format, args)).append('\n');
  }

  private static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }
}
