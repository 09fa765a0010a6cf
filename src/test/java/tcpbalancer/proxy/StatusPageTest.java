package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetServer;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.testing.Topology;

/**
 * The status page's server side, read over HTTP: the page and its files come from the jar, open even when /api
 * needs a token, and {@code /events} streams snapshots of the proxy, one at once when an upstream goes down.
 * The page itself, in a browser: {@link StatusPageBrowserTest}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class StatusPageTest {

  private static final String TOKEN = "s3cret";

  /** A proxy "lb" with a token-guarded admin endpoint, over upstreams that accept and close every connection. */
  private static Future<HostAndPort> proxyOver(Vertx vertx, List<NetServer> upstreams) {
    JsonArray addresses = new JsonArray();
    return Future.all(upstreams.stream().map(server -> server.connectHandler(socket -> socket.close())
        .listen(0, Topology.HOST).onSuccess(s -> addresses.add(Topology.HOST + ":" + s.actualPort()))).toList())
      .compose(listening -> new Topology().proxy("lb", new JsonObject().put("check", "connect")
        .put("upstreams", addresses).put("admin", new JsonObject().put("port", 0).put("token", TOKEN)))
        .deploy(vertx))
      .map(deployed -> deployed.address("lb-admin"));
  }

  private static Future<HttpResponse<Buffer>> get(Vertx vertx, HostAndPort admin, String path) {
    return WebClient.create(vertx).get(admin.port(), admin.host(), path).send();
  }

  /** Completes with the first snapshot {@code /events} sends that {@code wanted} accepts. */
  private static Future<JsonObject> event(Vertx vertx, HostAndPort admin, Predicate<JsonObject> wanted) {
    Promise<JsonObject> found = Promise.promise();
    vertx.createHttpClient().request(HttpMethod.GET, admin.port(), admin.host(), "/events")
      .compose(request -> request.send())
      .onSuccess(response -> {
        assertThat(response.getHeader("content-type")).startsWith("text/event-stream");
        RecordParser events = RecordParser.newDelimited("\n\n", event -> {
          String text = event.toString();
          if (text.startsWith("data: ")) {
            JsonObject snapshot = new JsonObject(text.substring("data: ".length()));
            if (wanted.test(snapshot) && found.tryComplete(snapshot)) {
              response.request().connection().close();
            }
          }
        });
        response.handler(events);
      })
      .onFailure(found::tryFail);
    return found.future();
  }

  private static JsonObject upstream(JsonObject snapshot, int index) {
    return snapshot.getJsonArray("upstreams").getJsonObject(index);
  }

  @Test
  void theAdminReferenceDocumentsThePageAndTheStream() throws IOException {
    String admin = Files.readString(Path.of("docs", "admin.md"));
    for (String path : List.of(StatusPage.PAGE, StatusPage.EVENTS)) {
      assertThat(admin).contains("\n### `GET " + path + "`\n");
    }
  }

  @Test
  void thePageAndItsFilesComeFromTheJarAndNeedNoToken(Vertx vertx, VertxTestContext test) {
    proxyOver(vertx, List.of(vertx.createNetServer()))
      .compose(admin -> Future.all(get(vertx, admin, "/"), get(vertx, admin, "/status/status.js"),
        get(vertx, admin, "/status/status.css"), get(vertx, admin, "/api/upstreams")))
      .onComplete(test.succeeding(all -> test.verify(() -> {
        HttpResponse<Buffer> page = all.resultAt(0);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.getHeader("content-type")).startsWith("text/html");
        assertThat(page.getHeader("cache-control")).isEqualTo("public, immutable, max-age=60");
        assertThat(page.bodyAsString()).contains("<title>tcpbalancer status</title>", "/status/status.js");
        HttpResponse<Buffer> script = all.resultAt(1);
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.getHeader("content-type")).startsWith("text/javascript");
        assertThat(script.bodyAsString()).contains("new EventSource('/events')").doesNotContain("http://",
          "https://");
        assertThat(all.<HttpResponse<Buffer>>resultAt(2).statusCode()).isEqualTo(200);
        assertThat(all.<HttpResponse<Buffer>>resultAt(3).statusCode()).as("the API keeps its token").isEqualTo(401);
        test.completeNow();
      })));
  }

  @Test
  void eventsStreamSnapshotsOfTheProxyAndItsUpstreams(Vertx vertx, VertxTestContext test) {
    proxyOver(vertx, List.of(vertx.createNetServer(), vertx.createNetServer()))
      .compose(admin -> event(vertx, admin, snapshot -> true))
      .onComplete(test.succeeding(snapshot -> test.verify(() -> {
        assertThat(snapshot.getString("proxy")).isEqualTo("lb");
        assertThat(snapshot.getString("balance")).isEqualTo("connections");
        assertThat(snapshot.getLong("at")).isPositive();
        assertThat(snapshot.getBoolean("listening")).isTrue();
        assertThat(snapshot.getJsonObject("inbound")).isEqualTo(new JsonObject().put("active", 0).put("queued", 0)
          .put("maxConns", ProxyOptions.DEFAULT_MAX_CONNS));
        assertThat(snapshot.getJsonArray("upstreams")).hasSize(2);
        JsonObject first = upstream(snapshot, 0);
        assertThat(first.fieldNames()).containsExactlyInAnyOrder("address", "state", "up", "weight", "effectiveWeight",
          "maxConns", "sendProxy", "active", "requestsInFlight", "total", "connectFailures", "bytesToUpstream",
          "bytesFromUpstream", "lastStateChange");
        assertThat(first.getBoolean("up")).isTrue();
        assertThat(first.getInteger("weight")).isEqualTo(1);
        test.completeNow();
      })));
  }

  @Test
  void anUpstreamGoingDownIsInTheStream(Vertx vertx, VertxTestContext test) {
    NetServer dying = vertx.createNetServer();
    proxyOver(vertx, List.of(dying, vertx.createNetServer()))
      .compose(admin -> event(vertx, admin, snapshot -> true).compose(first -> {
        Future<JsonObject> down = event(vertx, admin, snapshot -> !upstream(snapshot, 0).getBoolean("up"));
        return dying.close().compose(v -> down);
      }))
      .onComplete(test.succeeding(snapshot -> test.verify(() -> {
        JsonObject change = upstream(snapshot, 0).getJsonObject("lastStateChange");
        assertThat(change.getBoolean("up")).isFalse();
        assertThat(change.getString("reason")).as("a refused connect takes it down at once")
          .startsWith("health check connect refused (Connection refused");
        assertThat(upstream(snapshot, 1).getBoolean("up")).isTrue();
        test.completeNow();
      })));
  }

  @Test
  void aProxyStreamsToABoundedNumberOfReadersAndTakesANewOneWhenOneLeaves(Vertx vertx, VertxTestContext test) {
    HttpClient browsers = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(StatusEvents.MAX_STREAMS + 1));
    proxyOver(vertx, List.of(vertx.createNetServer()))
      .compose(admin -> {
        List<Future<HttpClientResponse>> streams = new ArrayList<>();
        for (int i = 0; i < StatusEvents.MAX_STREAMS; i++) {
          streams.add(firstEvent(browsers, admin));
        }
        return Future.all(streams).compose(all -> browsers.request(HttpMethod.GET, admin.port(), admin.host(),
            "/events").compose(request -> request.send()).compose(refused -> refused.body().map(body -> {
              assertThat(refused.statusCode()).isEqualTo(503);
              assertThat(refused.getHeader("retry-after")).isEqualTo("2");
              assertThat(body.toJsonObject().getString("error")).contains("streams /events to 32 readers already");
              return streams.get(0).result();
            })))
          .compose(first -> {
            Promise<Void> ended = Promise.promise(); // once the proxy has seen it go, not when the browser has
            StatusEvents.streamEnded = ended::tryComplete;
            first.request().connection().close();
            return ended.future();
          })
          .compose(v -> firstEvent(browsers, admin)); // the stream that left made room
      })
      .eventually(() -> {
        StatusEvents.streamEnded = () -> { };
        return browsers.close(); // streams never end by themselves: the admin server's close would wait
      })
      .onComplete(test.succeeding(stream -> test.verify(() -> {
        assertThat(stream.statusCode()).isEqualTo(200);
        test.completeNow();
      })));
  }

  /** A stream of /events, once its first snapshot came: the proxy counts it from then on. */
  private static Future<HttpClientResponse> firstEvent(HttpClient client, HostAndPort admin) {
    return client.request(HttpMethod.GET, admin.port(), admin.host(), "/events")
      .compose(request -> request.send())
      .compose(response -> {
        if (response.statusCode() != 200) {
          return response.body().compose(body -> Future.failedFuture("/events answered "
            + response.statusCode() + ": " + body));
        }
        Promise<HttpClientResponse> first = Promise.promise();
        response.handler(data -> {
          if (data.toString().contains("data: ")) {
            first.tryComplete(response);
          }
        });
        response.exceptionHandler(first::tryFail);
        return first.future();
      });
  }

  @Test
  void aStreamEndsWhenTheProxyStops(Vertx vertx, VertxTestContext test) {
    vertx.createNetServer().connectHandler(socket -> socket.close()).listen(0, Topology.HOST)
      .compose(upstream -> new Topology().proxy("lb", new JsonObject().put("check", "connect")
        .put("upstreams", new JsonArray().add(Topology.HOST + ":" + upstream.actualPort()))
        .put("admin", new JsonObject().put("port", 0))).deploy(vertx))
      .compose(deployed -> {
        HostAndPort admin = deployed.address("lb-admin");
        return vertx.createHttpClient().request(HttpMethod.GET, admin.port(), admin.host(), "/events")
          .compose(request -> request.send())
          .compose(response -> {
            Promise<Void> closed = Promise.promise();
            response.request().connection().closeHandler(v -> closed.complete());
            response.handler(data -> { });
            return deployed.undeploy().compose(v -> closed.future());
          });
      })
      .onComplete(test.succeedingThenComplete());
  }
}
