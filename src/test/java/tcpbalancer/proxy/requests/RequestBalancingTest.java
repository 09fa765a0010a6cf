package tcpbalancer.proxy.requests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.config.ConfigUpdates;
import tcpbalancer.proxy.ProxyRuntime;
import tcpbalancer.proxy.ProxyVerticle;
import tcpbalancer.proxy.UpstreamGroup;

/**
 * Request mode against scripted backends on loopback: how requests spread, and what happens when a backend is
 * slow, busy or dies, when a client stops reading or sends garbage, and with thousands of requests in flight.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RequestBalancingTest {

  private NetClient client;

  @BeforeEach
  void createClient(Vertx vertx) {
    client = vertx.createNetClient();
  }

  /** A proxy in request mode over {@code backends}, checked with a connect every 50 ms. */
  static ProxyVerticle proxy(Vertx vertx, List<ScriptedBackend> backends) {
    ProxyVerticle proxy = new ProxyVerticle();
    vertx.deployVerticle(proxy, new DeploymentOptions().setConfig(config(backends))).await();
    return proxy;
  }

  static JsonObject config(List<ScriptedBackend> backends) {
    return new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "requests-proxy")
      .put("balance", "requests").put("check", "connect").put("checkIntervalMillis", 50)
      .put("upstreams", new JsonArray(backends.stream().map(ScriptedBackend::address).toList()));
  }

  static List<ScriptedBackend> backends(Vertx vertx, String... names) {
    List<Future<ScriptedBackend>> started = new ArrayList<>();
    for (String name : names) {
      started.add(ScriptedBackend.start(vertx, name));
    }
    return Future.all(started).await().list();
  }

  /** Runs {@code work} on an event loop and waits for it: sockets must get their handlers on their own loop. */
  static <T> T onEventLoop(Vertx vertx, Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    vertx.runOnContext(v -> work.get().onComplete(done));
    return done.future().await();
  }

  static Map<String, Long> byBackend(Collection<ResizeResponse> answers) {
    return answers.stream().collect(Collectors.groupingBy(ResizeResponse::backend, Collectors.counting()));
  }

  static void assertAllOk(Map<Long, ResizeResponse> answers, int count) {
    assertThat(answers).hasSize(count);
    assertThat(answers.values()).allSatisfy(answer -> assertThat(answer.status()).as(answer.message())
      .isEqualTo(Status.OK));
  }

  @Test
  void oneConnectionIsSpreadOverEveryBackend(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "b1", "b2", "b3");
    backends.forEach(backend -> backend.delay(2));
    int port = proxy(vertx, backends).actualPort();

    Map<Long, ResizeResponse> answers = onEventLoop(vertx, () -> FrameClient.run(client, port, 300, 12, 100));

    assertAllOk(answers, 300);
    assertThat(byBackend(answers.values())).containsOnlyKeys("b1", "b2", "b3");
  }

  @Test
  void twoConnectionsAreSpreadOverThreeBackends(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "b1", "b2", "b3");
    backends.forEach(backend -> backend.delay(2));
    int port = proxy(vertx, backends).actualPort();

    List<Map<Long, ResizeResponse>> runs = onEventLoop(vertx, () -> Future.all(
      FrameClient.run(client, port, 200, 4, 100), FrameClient.run(client, port, 200, 4, 100)).map(all -> all.list()));

    runs.forEach(answers -> assertAllOk(answers, 200));
    List<ResizeResponse> all = runs.stream().flatMap(answers -> answers.values().stream()).toList();
    assertThat(byBackend(all)).containsOnlyKeys("b1", "b2", "b3");
  }

  @Test
  void aSlowerBackendGetsFewerRequests(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "b1", "b2", "slow");
    backends.get(0).delay(2);
    backends.get(1).delay(2);
    backends.get(2).delay(50);
    int port = proxy(vertx, backends).actualPort();

    Map<Long, ResizeResponse> answers = onEventLoop(vertx, () -> FrameClient.run(client, port, 300, 6, 100));

    assertAllOk(answers, 300);
    Map<String, Long> counts = byBackend(answers.values());
    assertThat(counts.get("slow")).as(counts.toString()).isLessThan(counts.get("b1")).isLessThan(counts.get("b2"));
  }

  @Test
  void aBackendThatDiesMidRunLosesNoRequest(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "b1", "b2", "b3");
    backends.forEach(backend -> backend.delay(5));
    backends.get(1).killAtRequest(40); // with the ones before it still in flight
    int port = proxy(vertx, backends).actualPort();

    Map<Long, ResizeResponse> answers = onEventLoop(vertx, () -> FrameClient.run(client, port, 600, 24, 100));

    assertAllOk(answers, 600);
    Map<String, Long> counts = byBackend(answers.values());
    assertThat(counts.getOrDefault("b2", 0L)).as(counts.toString()).isLessThan(40);
    assertThat(counts.get("b1") + counts.get("b3")).isGreaterThan(560);
  }

  @Test
  void aBusyBackendsRequestsAreSentElsewhere(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "busy", "b2", "b3");
    backends.get(0).answering(Status.BUSY);
    backends.forEach(backend -> backend.delay(1));
    int port = proxy(vertx, backends).actualPort();

    Map<Long, ResizeResponse> answers = onEventLoop(vertx, () -> FrameClient.run(client, port, 200, 8, 100));

    assertAllOk(answers, 200);
    assertThat(byBackend(answers.values())).containsOnlyKeys("b2", "b3");
    assertThat(backends.get(0).received()).as("the busy backend was tried").isPositive();
  }

  @Test
  void aBackendAnsweringWithFramesOfAnotherTypeIsLeftAndItsRequestsSentElsewhere(Vertx vertx) {
    List<Throwable> uncaught = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.exceptionHandler(uncaught::add);
    List<ScriptedBackend> backends = backends(vertx, "confused", "b2", "b3");
    backends.get(0).answeringAsRequests().answerBytes(600_000); // bodies over several reads
    backends.forEach(backend -> backend.delay(1));
    int port = proxy(vertx, backends).actualPort();

    Map<Long, ResizeResponse> answers = onEventLoop(vertx, () -> FrameClient.run(client, port, 200, 8, 100));

    assertAllOk(answers, 200);
    assertThat(byBackend(answers.values())).containsOnlyKeys("b2", "b3");
    assertThat(backends.get(0).received()).as("the confused backend was tried").isPositive();
    assertThat(uncaught).as("the rest of a wrongly typed frame's body reached nothing").isEmpty();
  }

  @Test
  void theRequestsOfABackendTheChecksTakeDownAreSentElsewhere(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "hung", "b2", "b3");
    backends.get(0).delay(TimeUnit.MINUTES.toMillis(10)); // accepts and reads, never answers, health checks neither
    JsonObject config = config(backends).put("check", "resize").put("checkTimeoutMillis", 300).put("fall", 1);
    ProxyVerticle proxy = new ProxyVerticle();
    vertx.deployVerticle(proxy, new DeploymentOptions().setConfig(config)).await();

    Map<Long, ResizeResponse> answers = onEventLoop(vertx, () -> FrameClient.run(client, proxy.actualPort(), 60, 6,
      10));

    assertAllOk(answers, 60);
    assertThat(byBackend(answers.values())).containsOnlyKeys("b2", "b3");
  }

  @Test
  void whenEveryBackendIsBusyTheBusyAnswerGoesBackAfterTheRetries(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "b1", "b2");
    backends.forEach(backend -> backend.answering(Status.BUSY));
    int port = proxy(vertx, backends).actualPort();

    Map<Long, ResizeResponse> answers = onEventLoop(vertx, () -> FrameClient.run(client, port, 10, 2, 100));

    assertThat(answers.values()).hasSize(10).allSatisfy(answer -> assertThat(answer.status()).isEqualTo(Status.BUSY));
    // 1 send and 3 resends (the default retries) for each request, over both backends
    assertThat(backends.get(0).received() + backends.get(1).received()).isEqualTo(40);
  }

  @Test
  void aReloadedUpstreamListAppliesToTheNextRequests(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "old", "new");
    ProxyVerticle proxy = proxy(vertx, backends.subList(0, 1));
    UpstreamGroup group = ProxyRuntime.of(vertx, "requests-proxy").group();
    assertThat(byBackend(onEventLoop(vertx, () -> FrameClient.run(client, proxy.actualPort(), 20, 4, 10)).values()))
      .containsOnlyKeys("old");

    Promise<Void> reloaded = Promise.promise();
    group.onChange(list -> reloaded.tryComplete());
    vertx.eventBus().publish(ConfigUpdates.ADDRESS,
      ConfigUpdates.message(proxy.deploymentID(), config(backends.subList(1, 2))));
    reloaded.future().await();

    Map<Long, ResizeResponse> answers = onEventLoop(vertx, () -> FrameClient.run(client, proxy.actualPort(), 20, 4,
      10));
    assertAllOk(answers, 20);
    assertThat(byBackend(answers.values())).containsOnlyKeys("new");
    assertThat(backends.get(0).received()).isEqualTo(20);
  }

  @Test
  void thousandsOfRequestsInFlightAreAllAnswered(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "b1", "b2", "b3");
    backends.forEach(backend -> backend.delay(1));
    int port = proxy(vertx, backends).actualPort();

    Map<Long, ResizeResponse> answers = onEventLoop(vertx, () -> FrameClient.run(client, port, 5000, 5000, 50));

    assertAllOk(answers, 5000);
    assertThat(byBackend(answers.values())).containsOnlyKeys("b1", "b2", "b3");
  }
}
