package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each change through {@code /api/upstreams} has its effect on the proxy's traffic; each bad input changes nothing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamsApiTest extends ProxyTestSupport {

  private record Api(Vertx vertx, WebClient web, int port, ProxyVerticle proxy) {

    HttpResponse<Buffer> send(HttpMethod method, String path, String body) {
      var request = web.request(method, port, "127.0.0.1", "/api" + path);
      return (body == null ? request.send() : request.sendBuffer(Buffer.buffer(body))).await();
    }

    HttpResponse<Buffer> get(String path) {
      return send(HttpMethod.GET, path, null);
    }

    HttpResponse<Buffer> post(String path, JsonObject body) {
      return send(HttpMethod.POST, path, body.encode());
    }

    UpstreamState state(TestUpstream upstream) {
      return proxy.runtime().group().find("127.0.0.1", upstream.port).orElseThrow();
    }
  }

  private static Api proxyWithAdmin(Vertx vertx, List<TestUpstream> upstreams, JsonObject admin) {
    ProxyVerticle proxy = deployProxy(vertx, new JsonObject().put("upstreams", addresses(upstreams))
      .put("admin", admin), 2).await();
    int port = proxy.runtime().admin().await().actualPort();
    return new Api(vertx, WebClient.create(vertx), port, proxy);
  }

  private static Api proxyWithAdmin(Vertx vertx, List<TestUpstream> upstreams) {
    return proxyWithAdmin(vertx, upstreams, new JsonObject().put("port", 0));
  }

  private List<String> reached(Api api, int count) {
    return awaitOnEventLoop(api.vertx(), () -> openSequentially(client, api.proxy().actualPort(), count,
      new ArrayList<>()));
  }

  @Test
  void listsEachUpstreamWithItsStateHealthSettingsAndCounters(Vertx vertx) {
    List<TestUpstream> ups = startUpstreams(vertx, "a", "b").await();
    Api api = proxyWithAdmin(vertx, ups);
    assertThat(reached(api, 1)).containsExactly("a");
    whenActive(api.state(ups.get(0)), active -> active == 1).await();

    HttpResponse<Buffer> all = api.get("/upstreams");
    assertThat(all.statusCode()).isEqualTo(200);
    JsonObject first = new JsonObject().put("address", ups.get(0).address()).put("state", "ready").put("up", true)
      .put("weight", 1).put("effectiveWeight", 1.0).put("maxConns", 0).put("sendProxy", "off").put("active", 1)
      .put("requestsInFlight", 0).put("total", 1L).put("connectFailures", 0L).put("bytesToUpstream", 0L)
      .put("bytesFromUpstream", 2L).putNull("lastStateChange");
    assertThat(all.bodyAsJsonArray()).isEqualTo(new JsonArray().add(first).add(first.copy()
      .put("address", ups.get(1).address()).put("active", 0).put("total", 0L).put("bytesFromUpstream", 0L)));
    assertThat(api.get("/upstreams/" + ups.get(0).address()).bodyAsJsonObject()).isEqualTo(first);
    assertThat(api.get("/upstreams/" + URLEncoder.encode(ups.get(0).address(), StandardCharsets.UTF_8))
      .bodyAsJsonObject()).as("the address URL-encoded").isEqualTo(first);

    ups.get(1).kill().await();
    whenUp(api.state(ups.get(1)), false).await();
    JsonObject change = api.get("/upstreams/" + ups.get(1).address()).bodyAsJsonObject()
      .getJsonObject("lastStateChange");
    assertThat(change.getBoolean("up")).isFalse();
    assertThat(change.getString("reason")).as("a refused connect takes it down at once")
      .startsWith("health check connect refused (Connection refused");
    assertThat(Instant.parse(change.getString("at"))).isBeforeOrEqualTo(Instant.now());
  }

  @Test
  void drainSendsNewConnectionsElsewhereWhileAnOpenOneKeepsWorking(Vertx vertx) {
    List<TestUpstream> ups = startUpstreams(vertx, "a", "b").await();
    Api api = proxyWithAdmin(vertx, ups);
    ProxyTestClient open = awaitOnEventLoop(vertx, () -> ProxyTestClient.connect(client, api.proxy().actualPort()));
    assertThat(open.greeting.await()).isEqualTo("a");
    List<UpstreamState.AdminStateChange> announced = new CopyOnWriteArrayList<>();
    api.state(ups.get(0)).onAdminStateChange(announced::add);

    HttpResponse<Buffer> drained = api.post("/upstreams/" + ups.get(0).address() + "/state",
      new JsonObject().put("state", "drain"));
    assertThat(drained.statusCode()).isEqualTo(200);
    assertThat(drained.bodyAsJsonObject().getString("state")).isEqualTo("drain");
    assertThat(announced).extracting(UpstreamState.AdminStateChange::state).containsExactly(AdminState.DRAIN);
    assertThat(reached(api, 4)).containsOnly("b");
    assertThat(echo(vertx, open, "still served")).isEqualTo("still served");

    api.post("/upstreams/" + ups.get(0).address() + "/state", new JsonObject().put("state", "ready"));
    assertThat(reached(api, 2)).contains("a");
  }

  private static String echo(Vertx vertx, ProxyTestClient open, String text) {
    return awaitOnEventLoop(vertx, () -> {
      Promise<String> echoed = Promise.promise();
      open.socket.handler(bytes -> echoed.tryComplete(bytes.toString()));
      open.socket.write(text);
      return echoed.future();
    });
  }

  @Test
  void maintStopsHealthChecksReachingTheUpstreamAndItsHealthIsUnknown(Vertx vertx) {
    List<TestUpstream> ups = startUpstreams(vertx, "a", "b").await();
    Api api = proxyWithAdmin(vertx, ups);
    HttpResponse<Buffer> maint = api.post("/upstreams/" + ups.get(0).address() + "/state",
      new JsonObject().put("state", "maint"));
    assertThat(maint.statusCode()).isEqualTo(200);
    assertThat(maint.bodyAsJsonObject().getValue("up")).as("unknown").isNull();
    assertThat(maint.bodyAsJsonObject().getString("state")).isEqualTo("maint");

    ups.get(1).accepts(2).await(); // a check of "a" under way when it went into maint has ended by now
    int checksOfA = ups.get(0).accepted;
    ups.get(1).accepts(4).await(); // four more rounds of checks
    assertThat(ups.get(0).accepted).isEqualTo(checksOfA);
    assertThat(reached(api, 3)).containsOnly("b");
  }

  @Test
  void theProxyIsNotReadyWhenNoUpstreamThatIsUpIsReady(Vertx vertx) {
    List<TestUpstream> ups = startUpstreams(vertx, "a").await();
    Api api = proxyWithAdmin(vertx, ups);
    api.post("/upstreams/" + ups.get(0).address() + "/state", new JsonObject().put("state", "drain"));
    HttpResponse<Buffer> ready = api.web().get(api.port(), "127.0.0.1", "/ready").send().await();
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsString()).contains("no upstream that is up is ready");
  }

  @Test
  void aNewWeightChangesTheShare(Vertx vertx) {
    List<TestUpstream> ups = startUpstreams(vertx, "a", "b").await();
    Api api = proxyWithAdmin(vertx, ups);
    HttpResponse<Buffer> weighed = api.post("/upstreams/" + ups.get(0).address() + "/weight",
      new JsonObject().put("weight", 3));
    assertThat(weighed.statusCode()).isEqualTo(200);
    assertThat(weighed.bodyAsJsonObject().getInteger("weight")).isEqualTo(3);
    assertThat(counts(reached(api, 8))).isEqualTo(Map.of("a", 6, "b", 2));
  }

  @Test
  void anAddedUpstreamTakesConnectionsAndARemovedOneNoMore(Vertx vertx) {
    List<TestUpstream> ups = startUpstreams(vertx, "a", "b", "c").await();
    Api api = proxyWithAdmin(vertx, ups.subList(0, 2));
    HttpResponse<Buffer> added = api.send(HttpMethod.POST, "/upstreams",
      new JsonObject().put("address", ups.get(2).address()).put("weight", 2).encode());
    assertThat(added.statusCode()).isEqualTo(201);
    assertThat(added.bodyAsJsonObject().getString("address")).isEqualTo(ups.get(2).address());
    assertThat(added.bodyAsJsonObject().getInteger("weight")).isEqualTo(2);
    assertThat(counts(reached(api, 4))).isEqualTo(Map.of("a", 1, "b", 1, "c", 2));

    HttpResponse<Buffer> removed = api.send(HttpMethod.DELETE, "/upstreams/" + ups.get(0).address(), null);
    assertThat(removed.statusCode()).isEqualTo(200);
    assertThat(api.get("/upstreams").bodyAsJsonArray()).hasSize(2);
    assertThat(reached(api, 6)).doesNotContain("a");
    assertThat(api.get("/upstreams/" + ups.get(0).address()).statusCode()).isEqualTo(404);
  }

  @Test
  void anUpstreamAddedToARunningProxyShowsItsSlowStartWeightAndItsProxyHeader(Vertx vertx) {
    List<TestUpstream> ups = startUpstreams(vertx, "a", "b").await();
    ProxyVerticle proxy = deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups.subList(0, 1)))
      .put("slowStartMillis", 3_600_000).put("admin", new JsonObject().put("port", 0)), 2).await();
    Api api = new Api(vertx, WebClient.create(vertx), proxy.runtime().admin().await().actualPort(), proxy);

    HttpResponse<Buffer> added = api.post("/upstreams", new JsonObject().put("address", ups.get(1).address())
      .put("weight", 4).put("sendProxy", "v2"));
    assertThat(added.statusCode()).isEqualTo(201);
    JsonObject joined = added.bodyAsJsonObject();
    assertThat(joined.getString("sendProxy")).isEqualTo("v2");
    assertThat(joined.getInteger("weight")).isEqualTo(4);
    assertThat(joined.getDouble("effectiveWeight")).as("an hour's ramp has barely begun")
      .isBetween(4 * SlowStart.FIRST_SHARE, 4 * 0.1);
    JsonObject first = api.get("/upstreams/" + ups.get(0).address()).bodyAsJsonObject();
    assertThat(first.getDouble("effectiveWeight")).as("there from the start: no ramp").isEqualTo(1.0);
    assertThat(first.getString("sendProxy")).isEqualTo("off");
  }

  @Test
  void eachBadInputGetsItsErrorNamingTheFieldAndChangesNothing(Vertx vertx) {
    List<TestUpstream> ups = startUpstreams(vertx, "a").await();
    Api api = proxyWithAdmin(vertx, ups);
    String a = "/upstreams/" + ups.get(0).address();
    JsonArray before = api.get("/upstreams").bodyAsJsonArray();

    expectError(api.post("/upstreams/127.0.0.1:1/state", new JsonObject().put("state", "drain")), 404, "address");
    expectError(api.post("/upstreams/nowhere/state", new JsonObject().put("state", "drain")), 400, "address");
    expectError(api.post(a + "/state", new JsonObject().put("state", "asleep")), 400, "state");
    expectError(api.post(a + "/state", new JsonObject()), 400, "state");
    expectError(api.post(a + "/state", new JsonObject().put("state", "drain").put("why", "x")), 400, "why");
    expectError(api.post(a + "/weight", new JsonObject().put("weight", 0)), 400, "weight");
    expectError(api.post(a + "/weight", new JsonObject().put("weight", 257)), 400, "weight");
    expectError(api.post(a + "/weight", new JsonObject().put("weight", "heavy")), 400, "weight");
    expectError(api.post(a + "/weight", new JsonObject()), 400, "weight");
    expectError(api.send(HttpMethod.POST, a + "/state", "{\"state\": "), 400, null);
    expectError(api.send(HttpMethod.POST, a + "/state", "[\"drain\"]"), 400, null);
    expectError(api.post("/upstreams", new JsonObject().put("address", ups.get(0).address())), 409, "address");
    expectError(api.post("/upstreams", new JsonObject().put("address", "nohost")), 400, "address");
    expectError(api.post("/upstreams", new JsonObject().put("weight", 2)), 400, "address");
    expectError(api.post("/upstreams", new JsonObject().put("address", "127.0.0.1:1").put("maxConns", -1)), 400,
      "maxConns");
    expectError(api.send(HttpMethod.DELETE, a, null), 409, "address");
    expectError(api.get("/upstreams/127.0.0.1:1"), 404, "address");
    expectError(api.get("/nothing"), 404, null);
    expectError(api.send(HttpMethod.PUT, "/upstreams", "{}"), 405, null);

    assertThat(api.get("/upstreams").bodyAsJsonArray()).isEqualTo(before);
  }

  private static void expectError(HttpResponse<Buffer> response, int status, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isNotBlank();
    assertThat(body.getString("field")).isEqualTo(field);
  }

  @Test
  void withATokenAPostNeedsItAsCurlSendsIt(Vertx vertx) throws Exception {
    List<TestUpstream> ups = startUpstreams(vertx, "a", "b").await();
    Api api = proxyWithAdmin(vertx, ups, new JsonObject().put("port", 0).put("token", "s3cret"));
    String url = "http://127.0.0.1:" + api.port() + "/api/upstreams/" + ups.get(0).address() + "/state";

    assertThat(curl(vertx, "-X", "POST", "-d", "{\"state\":\"drain\"}", url)).startsWith("401 ");
    assertThat(api.state(ups.get(0)).adminState()).isEqualTo(AdminState.READY);
    String answer = curl(vertx, "-X", "POST", "-H", "Authorization: Bearer s3cret", "-d", "{\"state\":\"drain\"}", url);
    assertThat(answer).startsWith("200 ").contains("\"state\":\"drain\"");
    assertThat(api.state(ups.get(0)).adminState()).isEqualTo(AdminState.DRAIN);
  }

  /** Runs Debian's curl off the event loop; returns the status code, a space and the body. */
  private static String curl(Vertx vertx, String... arguments) {
    List<String> command = new ArrayList<>(List.of("curl", "-sS", "-w", "%{http_code} "));
    command.addAll(List.of(arguments));
    return vertx.executeBlocking(() -> {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() != 0) {
        throw new IOException("curl failed: " + output);
      }
      int split = output.lastIndexOf('}') + 1; // -w writes the code after the JSON body
      return output.substring(split) + output.substring(0, split);
    }).await();
  }
}
