package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import java.util.List;

/**
 * Sends every image through the proxy {@code times} times, one {@link RoundScheduler} round after the other, and
 * turns the answers into result files through one {@link ResultWriter}.
 */
final class LoadRun {

  private final Vertx vertx;
  private final ClientOptions options;
  private final NetClient netClient;
  private final List<ImageFile> images;
  private final RunReport report;
  private final Progress progress;
  private final ResultWriter results;

  LoadRun(Vertx vertx, ClientOptions options, NetClient netClient, List<ImageFile> images, RunReport report,
          Progress progress) {
    this.vertx = vertx;
    this.options = options;
    this.netClient = netClient;
    this.images = images;
    this.report = report;
    this.progress = progress;
    this.results = new ResultWriter(vertx, options);
  }

  Future<Void> run() {
    Future<Void> rounds = Future.succeededFuture();
    for (int i = 1; i <= options.times(); i++) {
      int round = i;
      rounds = rounds.compose(v ->
        new RoundScheduler(vertx, options, netClient, report, progress, results, round).run(images));
    }
    return rounds.andThen(done -> report.filesWritten(results.filesWritten()));
  }
}
