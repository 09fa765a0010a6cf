package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static tcpbalancer.client.ClientTestSupport.clientConfig;
import static tcpbalancer.client.ClientTestSupport.runClient;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.testing.Topology;

/** The latency histogram of a run: its distribution in the JSON report, and HdrHistogram's .hgrm text file. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ClientHistogramTest {

  private static final int IMAGES = 3;
  private static final int TIMES = 4;

  @TempDir
  Path dir;

  private Path input;

  @BeforeEach
  void images() throws IOException {
    input = dir.resolve("in");
    Files.createDirectories(input);
    for (String name : List.of("a.jpg", "b.png", "c.jpeg")) {
      Files.write(input.resolve(name), new byte[] {1, 2, 3});
    }
  }

  /** A dry run (no resizing, so it is quick) of every image {@link #TIMES} times through a proxy and a backend. */
  private Future<JsonObject> dryRunConfig(Vertx vertx) {
    return new Topology().backend("dry").proxy("lb", "dry").deploy(vertx)
      .map(deployed -> clientConfig(deployed.port("lb"), input.toString(), dir.resolve("out").toString())
        .put("dryRun", true).put("times", TIMES).put("minConns", 2));
  }

  @Test
  void theJsonReportHoldsThePercentileDistribution(Vertx vertx, VertxTestContext test) {
    Path reportFile = dir.resolve("report.json");
    dryRunConfig(vertx)
      .compose(config -> runClient(vertx, config.put("report", reportFile.toString())))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        JsonObject latency = new JsonObject(Files.readString(reportFile)).getJsonObject("latencyMillis");
        JsonArray distribution = latency.getJsonArray("distribution");
        assertThat(distribution).isNotNull();
        assertThat(distribution.size()).isGreaterThan(1);
        long counted = 0;
        double previousPercentile = -1;
        double previousMillis = -1;
        for (int i = 0; i < distribution.size(); i++) {
          JsonObject entry = distribution.getJsonObject(i);
          assertThat(entry.fieldNames()).containsExactlyInAnyOrder("percentile", "ms", "count");
          assertThat(entry.getDouble("percentile")).isGreaterThan(previousPercentile).isBetween(0.0, 100.0);
          assertThat(entry.getDouble("ms")).isGreaterThanOrEqualTo(previousMillis);
          previousPercentile = entry.getDouble("percentile");
          previousMillis = entry.getDouble("ms");
          counted += entry.getLong("count");
        }
        JsonObject last = distribution.getJsonObject(distribution.size() - 1);
        assertThat(last.getDouble("percentile")).isEqualTo(100.0);
        assertThat(last.getDouble("ms")).isEqualTo(latency.getDouble("max")).isPositive();
        assertThat(counted).as("one latency per final answer").isEqualTo((long) IMAGES * TIMES);
        test.completeNow();
      })));
  }

  @Test
  void theHistogramFileIsHdrHistogramPercentileText(Vertx vertx, VertxTestContext test) {
    Path histogram = dir.resolve("latency.hgrm");
    dryRunConfig(vertx)
      .compose(config -> runClient(vertx, config.put("histogram", histogram.toString())))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        List<String> lines = Files.readAllLines(histogram);
        assertThat(lines.get(0).trim().split("\\s+")).containsExactly("Value", "Percentile", "TotalCount",
          "1/(1-Percentile)");
        List<String[]> rows = lines.stream().skip(1).filter(line -> !line.isBlank() && !line.startsWith("#"))
          .map(line -> line.trim().split("\\s+")).toList();
        assertThat(rows).isNotEmpty();
        String[] last = rows.get(rows.size() - 1);
        assertThat(Double.parseDouble(last[1])).as("the last row is the 100th percentile").isEqualTo(1.0);
        assertThat(Long.parseLong(last[2])).isEqualTo((long) IMAGES * TIMES);
        double maxMillis = report.toJson().getJsonObject("latencyMillis").getDouble("max");
        assertThat(Double.parseDouble(last[0])).as("values are in ms").isCloseTo(maxMillis, offset(0.001));
        assertThat(lines).anyMatch(line -> line.startsWith("#[Mean"));
        assertThat(lines).anyMatch(line -> line.startsWith("#[Max")
          && line.replaceAll("\\s+", " ").endsWith("Total count = " + IMAGES * TIMES + "]"));
        test.completeNow();
      })));
  }

  @Test
  void aHistogramFileThatCannotBeWrittenIsAClearErrorAndExitCodeOne(Vertx vertx, VertxTestContext test) {
    Path histogram = dir.resolve("no-such-folder").resolve("latency.hgrm");
    Promise<JsonObject> done = Promise.promise();
    vertx.eventBus().<JsonObject>localConsumer(ClientVerticle.DONE_ADDRESS,
      message -> done.tryComplete(message.body()));
    dryRunConfig(vertx)
      .compose(config -> runClient(vertx, config.put("histogram", histogram.toString())))
      .compose(report -> done.future().map(message -> {
        assertThat(report.exitCode()).as("every image was answered").isZero();
        return message;
      }))
      .onComplete(test.succeeding(message -> test.verify(() -> {
        assertThat(message.getInteger("exitCode")).isEqualTo(1);
        assertThat(message.getString("error"))
          .isEqualTo("cannot write the histogram to " + histogram + ": No such file or directory");
        test.completeNow();
      })));
  }
}
