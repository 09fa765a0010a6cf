package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.List;
import tcpbalancer.config.ExplainedTlsClient;

/**
 * One event loop's share of a client run: its own images, connections and report. A verticle so that it gets
 * an event loop of its own: {@link ClientVerticle} deploys one lane per event loop and merges their reports, so a
 * run is not bound by what one thread can send.
 */
final class ClientLane extends VerticleBase {

  private final ClientOptions options;
  private final List<ImageFile> images;
  private final Progress progress;
  private final RunReport report;
  private final Promise<RunReport> finished = Promise.promise();

  /** {@code options} carry this lane's share of the connections of each round. */
  ClientLane(ClientOptions options, List<ImageFile> images, Progress progress) {
    this.options = options;
    this.images = images;
    this.progress = progress;
    this.report = new RunReport(options, images.size(), List.of());
  }

  private NetClient netClient;

  @Override
  public Future<?> start() {
    NetClientOptions clientOptions = new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(10_000);
    // a field: Vert.x 5 closes a NetClient nothing refers to, with its connections, when the collector runs
    netClient = ExplainedTlsClient.of(vertx.createNetClient(options.tls() == null ? clientOptions
      : options.tls().applyTo(clientOptions)), options.tls());
    new LoadRun(vertx, options, netClient, images, report, progress).run()
      .onComplete(ar -> finished.complete(report));
    return Future.succeededFuture();
  }

  /** Completes with this lane's report when its share of the run is over. */
  Future<RunReport> finished() {
    return finished.future();
  }
}
