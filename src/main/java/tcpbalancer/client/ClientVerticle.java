package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client program: scans the input folder, sends every image through the proxy, writes the results and
 * prints a report. It is ready (deployed) once the folder is scanned and the output folder exists; the run goes
 * on after that. When it is over it publishes its exit code on {@link #DONE_ADDRESS}, where the launcher ends
 * the process.
 */
public class ClientVerticle extends VerticleBase {

  /**
   * Local event bus address of the {@code {"exitCode": N, "report": {...}}} message sent when a run is over; it
   * also has an {@code "error"} when a report file could not be written.
   */
  public static final String DONE_ADDRESS = "tcpbalancer.client.done";

  private static final Logger log = LoggerFactory.getLogger(ClientVerticle.class);

  private final Promise<RunReport> finished = Promise.promise();
  private ClientOptions options;

  @Override
  public Future<?> start() {
    options = ClientOptions.fromJson(config(), "config");
    return vertx.executeBlocking(() -> ImageScanner.scan(Path.of(options.input()), options.format()))
      .compose(scan -> vertx.fileSystem().mkdirs(options.output()).map(scan))
      .onSuccess(this::run);
  }

  /** Completes with the report when the run is over. */
  public Future<RunReport> finished() {
    return finished.future();
  }

  private void run(ImageScanner.Result scan) {
    log.info("Client: {} images in {} ({} skipped), {} round(s) through {}", scan.images().size(), options.input(),
      scan.skipped().size(), options.times(), options.proxy());
    RunReport report = new RunReport(options, scan.images().size(), scan.skipped());
    Progress progress = new Progress(vertx, (long) scan.images().size() * options.times());
    runLanes(scan.images(), progress)
      .onComplete(ar -> {
        progress.finish();
        if (ar.succeeded()) {
          ar.result().forEach(report::add);
        } else {
          log.error("The run could not be carried out: {}", ar.cause().getMessage());
        }
        report.finish();
        printAndSave(report).onComplete(saved -> {
          JsonObject done = new JsonObject().put("exitCode", saved.succeeded() ? report.exitCode() : 1)
            .put("report", report.toJson());
          if (saved.failed()) {
            log.error("Client: {}", saved.cause().getMessage());
            done.put("error", saved.cause().getMessage());
          }
          finished.tryComplete(report);
          vertx.eventBus().publish(DONE_ADDRESS, done);
        });
      });
  }

  /**
   * Spreads the run over event loops: lane {@code i} of {@code n} sends images {@code i}, {@code i + n}, ... and
   * opens its share of each round's connections; there are no more lanes than the fewest connections a round
   * opens, so that every lane has at least one. Completes with the lanes' reports.
   */
  private Future<List<RunReport>> runLanes(List<ImageFile> images, Progress progress) {
    int lanes = Math.max(1, Math.min(options.eventLoops(), Math.min(options.minConns(), images.size())));
    List<Future<RunReport>> reports = new ArrayList<>();
    for (int i = 0; i < lanes; i++) {
      List<ImageFile> share = new ArrayList<>();
      for (int image = i; image < images.size(); image += lanes) {
        share.add(images.get(image));
      }
      ClientOptions laneOptions = options.withConnections(share(options.minConns(), i, lanes),
        share(options.maxConns(), i, lanes));
      ClientLane lane = new ClientLane(laneOptions, share, progress);
      reports.add(vertx.deployVerticle(lane)
        .compose(id -> lane.finished().andThen(done -> vertx.undeploy(id))));
    }
    return Future.all(reports).map(all -> all.list());
  }

  /** Lane {@code i}'s part of {@code total}: an even split, the first lanes taking one more of the rest. */
  private static int share(int total, int i, int lanes) {
    return total / lanes + (i < total % lanes ? 1 : 0);
  }

  private Future<Void> printAndSave(RunReport report) {
    Future<Void> printed = vertx.executeBlocking(() -> {
      System.out.print(report.toText());
      System.out.flush();
      return null;
    });
    return printed.compose(v -> ReportFiles.write(vertx, options, report));
  }
}
