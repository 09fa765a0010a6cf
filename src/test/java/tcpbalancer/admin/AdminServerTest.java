package tcpbalancer.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.testing.MetricsVertx;

/** The endpoints of an admin server, on loopback port 0, read with Vert.x's web client and with curl. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class AdminServerTest {

  private static final AdminOptions OPEN = new AdminOptions("127.0.0.1", 0, null);

  private static HealthChecks alwaysReady(Vertx vertx) {
    return HealthChecks.create(vertx).register("always", Readiness.check(() -> null));
  }

  private static Future<HttpResponse<Buffer>> get(Vertx vertx, AdminServer server, String path, String token) {
    var request = WebClient.create(vertx).get(server.actualPort(), "127.0.0.1", path);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return request.send();
  }

  @Test
  void healthIsUpAndUnknownPathsAndMethodsAreJsonErrors(Vertx vertx, VertxTestContext test) {
    AdminServer.start(vertx, OPEN, "s", alwaysReady(vertx), api -> { })
      .compose(server -> Future.all(get(vertx, server, "/health", null), get(vertx, server, "/nowhere", null),
        WebClient.create(vertx).post(server.actualPort(), "127.0.0.1", "/health").send()))
      .onComplete(test.succeeding(all -> test.verify(() -> {
        HttpResponse<Buffer> health = all.resultAt(0);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "UP"));
        HttpResponse<Buffer> unknown = all.resultAt(1);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(unknown.bodyAsJsonObject()).isEqualTo(new JsonObject().put("error", "no such endpoint: GET /nowhere"));
        HttpResponse<Buffer> wrongMethod = all.resultAt(2);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.bodyAsJsonObject().getString("error")).isEqualTo("POST is not allowed on /health");
        test.completeNow();
      })));
  }

  @Test
  void readyAnswers503NamingTheFailingProcedureAndWhy(Vertx vertx, VertxTestContext test) {
    AtomicReference<String> problem = new AtomicReference<>("not yet");
    HealthChecks readiness = HealthChecks.create(vertx)
      .register("fine", Readiness.check(() -> null))
      .register("picky", Readiness.check(problem::get));
    AdminServer.start(vertx, OPEN, "s", readiness, api -> { })
      .compose(server -> get(vertx, server, "/ready", null).compose(notReady -> {
        problem.set(null);
        return get(vertx, server, "/ready", null).map(ready -> List.of(notReady, ready));
      }))
      .onComplete(test.succeeding(answers -> test.verify(() -> {
        HttpResponse<Buffer> notReady = answers.get(0);
        assertThat(notReady.statusCode()).isEqualTo(503);
        JsonObject body = notReady.bodyAsJsonObject();
        assertThat(body.getString("status")).isEqualTo("DOWN");
        assertThat(body.getJsonArray("checks")).contains(
          new JsonObject().put("id", "picky").put("status", "DOWN").put("data", new JsonObject().put("reason", "not yet")),
          new JsonObject().put("id", "fine").put("status", "UP"));
        assertThat(answers.get(1).statusCode()).isEqualTo(200);
        assertThat(answers.get(1).bodyAsJsonObject().getString("status")).isEqualTo("UP");
        test.completeNow();
      })));
  }

  @Test
  void metricsAre404WhenOff(Vertx vertx, VertxTestContext test) {
    AdminServer.start(vertx, OPEN, "s", alwaysReady(vertx), api -> { })
      .compose(server -> get(vertx, server, "/metrics", null))
      .onComplete(test.succeeding(response -> test.verify(() -> {
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.bodyAsJsonObject().getString("error")).startsWith("metrics are off");
        test.completeNow();
      })));
  }

  @Test
  void metricsAreThePrometheusScrapeWhenOn() {
    Vertx vertx = MetricsVertx.create();
    try {
      assertThat(Metrics.registry(vertx)).isPresent();
      AdminServer server = AdminServer.start(vertx, OPEN, "s", alwaysReady(vertx), api -> { }).await();
      WebClient client = WebClient.create(vertx);
      client.get(server.actualPort(), "127.0.0.1", "/health").send().await();
      HttpResponse<Buffer> response = client.get(server.actualPort(), "127.0.0.1", "/metrics").send().await();
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("Content-Type")).startsWith("text/plain");
      assertThat(response.bodyAsString()).contains("# TYPE vertx_http_server_requests_total counter")
        .contains("vertx_http_server_requests_total{").contains("jvm_memory_used_bytes");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void withATokenApiNeedsTheBearerHeaderAndTheRestStaysOpen(Vertx vertx, VertxTestContext test) {
    AdminOptions guarded = new AdminOptions("127.0.0.1", 0, "s3cret");
    AdminServer.start(vertx, guarded, "s", alwaysReady(vertx),
        api -> api.get("/anything").handler(context -> context.json(new JsonObject().put("ok", true))))
      .compose(server -> Future.all(List.of(get(vertx, server, "/api/anything", null),
        get(vertx, server, "/api/anything", "wrong"), get(vertx, server, "/api/anything", "s3cret"),
        get(vertx, server, "/api/missing", "s3cret"), get(vertx, server, "/health", null))))
      .onComplete(test.succeeding(all -> test.verify(() -> {
        HttpResponse<Buffer> none = all.resultAt(0);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.getHeader("WWW-Authenticate")).startsWith("Bearer");
        assertThat(none.bodyAsJsonObject()).isEqualTo(new JsonObject()
          .put("error", "this endpoint needs Authorization: Bearer TOKEN").put("field", "Authorization"));
        HttpResponse<Buffer> wrong = all.resultAt(1);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.bodyAsJsonObject().getString("field")).isEqualTo("Authorization");
        HttpResponse<Buffer> right = all.resultAt(2);
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(right.bodyAsJsonObject()).isEqualTo(new JsonObject().put("ok", true));
        HttpResponse<Buffer> missing = all.resultAt(3);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("no such endpoint: GET /api/missing");
        assertThat(((HttpResponse<?>) all.resultAt(4)).statusCode()).as("read-only endpoints stay open").isEqualTo(200);
        test.completeNow();
      })));
  }

  @Test
  void withoutATokenApiIsOpen(Vertx vertx, VertxTestContext test) {
    AdminServer.start(vertx, OPEN, "s", alwaysReady(vertx),
        api -> api.get("/anything").handler(context -> context.json(new JsonObject().put("ok", true))))
      .compose(server -> get(vertx, server, "/api/anything", null))
      .onComplete(test.succeeding(response -> test.verify(() -> {
        assertThat(response.statusCode()).isEqualTo(200);
        test.completeNow();
      })));
  }

  @Test
  void curlReadsHealthAndMetrics() throws Exception {
    Vertx vertx = MetricsVertx.create();
    try {
      AdminServer server = AdminServer.start(vertx, OPEN, "s", alwaysReady(vertx), api -> { }).await();
      String base = "http://127.0.0.1:" + server.actualPort();
      assertThat(curl(base + "/health")).isEqualTo("{\"status\":\"UP\"}");
      assertThat(curl(base + "/metrics")).contains("# TYPE vertx_http_server_requests_total counter")
        .contains("vertx_http_server_requests_total{");
    } finally {
      vertx.close().await();
    }
  }

  /** The body curl gets, failing on an HTTP error status (--fail). */
  private static String curl(String url) throws IOException, InterruptedException {
    Process curl = new ProcessBuilder("curl", "--silent", "--show-error", "--fail", "--max-time", "10", url)
      .redirectErrorStream(true).start();
    String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(curl.waitFor()).as("curl %s: %s", url, output).isZero();
    return output;
  }
}
