package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client program: scans the input folder, sends every image through the proxy, writes the results and
 * prints a report. It is ready (deployed) once the folder is scanned and the output folder exists; the run goes
 * on after that. When it is over it publishes its exit code on {@link #DONE_ADDRESS}, where the launcher ends
 * the process.
 */
public class ClientVerticle extends VerticleBase {

  /** Local event bus address of the {@code {"exitCode": N, "report": {...}}} message sent when a run is over. */
  public static final String DONE_ADDRESS = "tcpbalancer.client.done";

  private static final Logger log = LoggerFactory.getLogger(ClientVerticle.class);

  private final Promise<RunReport> finished = Promise.promise();
  private ClientOptions options;
  private NetClient netClient;

  @Override
  public Future<?> start() {
    options = ClientOptions.fromJson(config(), "config");
    netClient = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(10_000));
    return vertx.executeBlocking(() -> ImageScanner.scan(Path.of(options.input())))
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
    new LoadRun(vertx, options, netClient, scan.images(), report, progress).run()
      .onComplete(ar -> {
        progress.finish();
        report.finish();
        printAndSave(report).onComplete(saved -> {
          if (saved.failed()) {
            log.error("Cannot write the report to {}: {}", options.report(), saved.cause().getMessage());
          }
          JsonObject done = new JsonObject().put("exitCode", saved.succeeded() ? report.exitCode() : 1)
            .put("report", report.toJson());
          finished.tryComplete(report);
          vertx.eventBus().publish(DONE_ADDRESS, done);
        });
      });
  }

  private Future<Void> printAndSave(RunReport report) {
    Future<Void> printed = vertx.executeBlocking(() -> {
      System.out.print(report.toText());
      System.out.flush();
      return null;
    });
    if (options.report().isEmpty()) {
      return printed;
    }
    return printed.compose(v -> vertx.fileSystem().writeFile(options.report(),
      Buffer.buffer(report.toJson().encodePrettily() + "\n")));
  }
}
