package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Writes the files a run was asked for: the report as JSON ({@code report}) and the latency histogram as
 * HdrHistogram's .hgrm text ({@code histogram}). Each is built in memory and written through Vert.x's file system,
 * so the event loop never waits on a disk.
 */
final class ReportFiles {

  private ReportFiles() {
  }

  /** Fails, naming each file that could not be written and what the operating system said, once all are tried. */
  static Future<Void> write(Vertx vertx, ClientOptions options, RunReport report) {
    List<Future<Void>> writes = List.of(
      save(vertx, "report", options.report(), () -> report.toJson().encodePrettily() + "\n"),
      save(vertx, "histogram", options.histogram(), report::histogramText));
    return Future.join(writes).<Void>mapEmpty().recover(failed -> Future.failedFuture(writes.stream()
      .filter(Future::failed).map(write -> write.cause().getMessage()).collect(Collectors.joining("; "))));
  }

  private static Future<Void> save(Vertx vertx, String what, String path, Supplier<String> text) {
    if (path.isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.fileSystem().writeFile(path, Buffer.buffer(text.get()))
      .recover(cause -> Future.failedFuture("cannot write the " + what + " to " + path + ": "
        + ResultWriter.osReason(cause)));
  }
}
