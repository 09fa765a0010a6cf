package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.TestImages;
import tcpbalancer.admin.Metrics;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.testing.MetricsVertx;
import tcpbalancer.testing.Topology;

/**
 * A known run straight to one backend (5 images resized, 2 corrupt, 1 not an image), then its {@code /metrics}:
 * the counts by status and by format are those of the run, the bytes those the client sent and received.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BackendMetricsTest {

  /** One sample of the Prometheus text: {@code name{label="value",...} number}. */
  private static final Pattern SAMPLE = Pattern.compile("^(\\w+)(?:\\{(.*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  private Vertx vertx;

  @AfterEach
  void close() {
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  void theCountsOfAKnownRunAreThoseOfTheScrape() throws IOException {
    vertx = MetricsVertx.create();
    Topology.Deployment deployed = new Topology().workers(1).backend("b1", new JsonObject()
      .put("admin", new JsonObject().put("host", Topology.HOST).put("port", 0))).deploy(vertx).await();
    byte[] jpeg = TestImages.synthetic(320, 240, "jpg");
    List<ResizeRequest> requests = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      requests.add(request("photo-" + i + ".jpg", "jpeg", jpeg));
    }
    for (int i = 0; i < 2; i++) {
      requests.add(request("icon-" + i + ".png", "png", TestImages.synthetic(64 + i, 48, "png")));
    }
    for (int i = 0; i < 2; i++) {
      requests.add(request("cut-" + i + ".jpg", "jpeg", Arrays.copyOf(jpeg, jpeg.length / 2)));
    }
    requests.add(request("notes.png", "png", "not an image".getBytes()));

    ResizeConnection connection = ResizeConnection.connect(vertx.createNetClient(),
      SocketAddress.inetSocketAddress(deployed.port("b1"), Topology.HOST), 32 * 1024 * 1024).await();
    List<ResizeResponse> answers = Future.all(requests.stream().map(connection::send).toList()).await().list();
    assertThat(answers).extracting(ResizeResponse::status).containsExactly(Status.OK, Status.OK, Status.OK,
      Status.OK, Status.OK, Status.CORRUPT_IMAGE, Status.CORRUPT_IMAGE, Status.NOT_AN_IMAGE);

    Map<String, Double> scrape = scrape(deployed.address("b1-admin"));
    assertThat(sample(scrape, "tcpbalancer_backend_requests_total", "status", "ok")).isEqualTo(5);
    assertThat(sample(scrape, "tcpbalancer_backend_requests_total", "status", "corrupt_image")).isEqualTo(2);
    assertThat(sample(scrape, "tcpbalancer_backend_requests_total", "status", "not_an_image")).isEqualTo(1);
    for (Status status : List.of(Status.BAD_REQUEST, Status.BUSY, Status.TIMEOUT, Status.INTERNAL_ERROR)) {
      assertThat(sample(scrape, "tcpbalancer_backend_requests_total", "status", BackendMeters.label(status)))
        .as(status.name()).isZero();
    }
    assertThat(sample(scrape, "tcpbalancer_backend_resize_seconds_count", "format", "jpeg")).isEqualTo(3);
    assertThat(sample(scrape, "tcpbalancer_backend_resize_seconds_count", "format", "png")).isEqualTo(2);
    assertThat(sample(scrape, "tcpbalancer_backend_resize_seconds_count", "format", "other")).isZero();
    assertThat(sample(scrape, "tcpbalancer_backend_resize_seconds_sum", "format", "jpeg")).isPositive();
    assertThat(scrape).containsKey("tcpbalancer_backend_resize_seconds_bucket{backend=b1,format=jpeg,le=+Inf}");
    assertThat(sample(scrape, "tcpbalancer_backend_received_bytes_total", "backend", "b1"))
      .isEqualTo(connection.bytesSent());
    assertThat(sample(scrape, "tcpbalancer_backend_sent_bytes_total", "backend", "b1"))
      .isEqualTo(connection.bytesReceived());
    assertThat(sample(scrape, "tcpbalancer_backend_requests_in_progress", "backend", "b1")).isZero();
    assertThat(sample(scrape, "tcpbalancer_backend_requests_waiting", "backend", "b1")).isZero();
    assertThat(sample(scrape, "tcpbalancer_backend_request_bytes_held_bytes", "backend", "b1")).as("every byte back")
      .isZero();
    assertThat(sample(scrape, "tcpbalancer_backend_request_bytes_waiting", "backend", "b1")).isZero();
    assertThat(sample(scrape, "tcpbalancer_backend_local_workers", "state", "idle")).isEqualTo(1);
    assertThat(sample(scrape, "tcpbalancer_backend_local_workers", "state", "busy")).isZero();
    assertThat(sample(scrape, "tcpbalancer_backend_local_worker_waiters", null, null)).isZero();
    assertThat(scrape.keySet()).as("no label carries a file name")
      .noneMatch(key -> key.contains("photo") || key.contains("icon") || key.contains("notes"));

    String docs = Files.readString(Path.of("docs/admin.md"));
    assertThat(scrape.keySet()).as("every backend metric is in docs/admin.md")
      .filteredOn(key -> key.startsWith("tcpbalancer_backend_"))
      .allSatisfy(key -> assertThat(docs).contains("`" + key.replaceAll("(_bucket|_count|_sum)?(\\{.*)?$", "") + "`"));

    deployed.undeploy("b1").await();
    MeterRegistry registry = Metrics.registry(vertx).orElseThrow();
    assertThat(registry.find(BackendMeters.REQUESTS).meters()).as("a stopped backend's meters").isEmpty();
  }

  @Test
  void withMetricsOffNothingIsRecorded(Vertx vertx) {
    Topology.Deployment deployed = new Topology().workers(1).backend("b1", new JsonObject()).deploy(vertx).await();
    assertThat(BackendLimits.find(vertx, deployed.deploymentId("b1")).metrics()).isSameAs(BackendMetrics.OFF);
  }

  private static ResizeRequest request(String name, String format, byte[] image) {
    return new ResizeRequest(name, format, 32, 32, ResizeMode.FIT, false, Buffer.buffer(image));
  }

  /** The samples of {@code /metrics}, keyed {@code name{label=value,...}} with the labels in their order. */
  private Map<String, Double> scrape(HostAndPort admin) {
    HttpResponse<Buffer> response = WebClient.create(vertx).get(admin.port(), admin.host(), "/metrics").send().await();
    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, Double> samples = new HashMap<>();
    for (String line : response.bodyAsString().split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (line.startsWith("#") || !sample.matches()) {
        continue;
      }
      List<String> labels = new ArrayList<>();
      Matcher label = LABEL.matcher(sample.group(2) == null ? "" : sample.group(2));
      while (label.find()) {
        labels.add(label.group(1) + "=" + label.group(2));
      }
      samples.put(sample.group(1) + (labels.isEmpty() ? "" : "{" + String.join(",", labels) + "}"),
        Double.parseDouble(sample.group(3)));
    }
    return samples;
  }

  /** The one sample of {@code name} whose {@code label} is {@code value} (any sample of it when label is null). */
  private static double sample(Map<String, Double> scrape, String name, String label, String value) {
    List<Double> found = scrape.entrySet().stream()
      .filter(entry -> entry.getKey().equals(name) || entry.getKey().startsWith(name + "{"))
      .filter(entry -> label == null || entry.getKey().matches(".*[{,]" + label + "=" + Pattern.quote(value) + "[,}].*"))
      .map(Map.Entry::getValue).toList();
    assertThat(found).as(name + " " + label + "=" + value + " in " + scrape.keySet()).hasSize(1);
    return found.get(0);
  }
}
