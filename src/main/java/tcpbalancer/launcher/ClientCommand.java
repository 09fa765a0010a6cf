package tcpbalancer.launcher;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code client}: sends a folder of images for resizing, with the original's flags; exits when done. */
@Command(name = "client", sortOptions = false,
  description = "Sends every image (JPEG, PNG, WebP, BMP, TIFF, GIF) of a folder through the proxy for resizing, writes the results "
    + "as NAME-WxH.EXT, and reports bytes, rates and latency. Exit code 0 only if every image was resized.")
final class ClientCommand implements ProgramCommand {

  @Option(names = "--proxy", required = true, paramLabel = "HOST:PORT", description = "the proxy to connect to")
  String proxy;

  @Option(names = "--input", required = true, paramLabel = "DIR", description = "folder of images to send")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "DIR",
    description = "folder for the resized images (created if missing)")
  String output;

  @Option(names = "-w", required = true, paramLabel = "N", description = "target width")
  int width;

  @Option(names = "-h", required = true, paramLabel = "N", description = "target height")
  int height;

  @Option(names = "--minconns", paramLabel = "N", defaultValue = "1",
    description = "fewest connections a round opens (default: ${DEFAULT-VALUE})")
  int minConns;

  @Option(names = "--maxconns", paramLabel = "N",
    description = "most connections a round opens; each round picks a count between min and max (default: minconns)")
  Integer maxConns;

  @Option(names = "--times", paramLabel = "N", defaultValue = "1",
    description = "send the whole folder N times (default: ${DEFAULT-VALUE})")
  int times;

  @Option(names = "--dry-run", description = "send requests without image bytes; the backend answers without "
    + "resizing (measures the network path)")
  boolean dryRun;

  @Option(names = "--mode", paramLabel = "fit|exact|fill", defaultValue = "fit",
    description = "fit inside WxH keeping the aspect ratio, exactly WxH, or fill WxH keeping the aspect ratio and "
      + "cropping the overflow, centred (default: ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--window", paramLabel = "N", description = "requests in flight per connection (default: 4)")
  Integer window;

  @Option(names = "--report", paramLabel = "FILE",
    description = "also write the report as JSON to FILE, with the latency percentile distribution")
  String report;

  @Option(names = "--histogram", paramLabel = "FILE.hgrm",
    description = "also write the latency histogram (ms) to FILE in HdrHistogram's percentile text, for its plotters")
  String histogram;

  @Option(names = "--retries", paramLabel = "N",
    description = "resends of a request whose connection broke (default: 3); busy answers use none")
  Integer retries;

  @Option(names = "--reconnect-timeout", paramLabel = "SECONDS",
    description = "how long to keep reconnecting to a proxy that refuses, e.g. while it restarts (default: 60)")
  Integer reconnectTimeoutSeconds;

  @Option(names = "--event-loops", paramLabel = "N",
    description = "event loops the run's connections are spread over (default: one per core)")
  Integer eventLoops;

  @Option(names = "--tls", description = "connect to the proxy with TLS, verifying its certificate and host name "
    + "(against --ca, else the JVM's trusted authorities)")
  boolean tls;

  @Option(names = "--ca", paramLabel = "FILE", description = "PEM file of the authorities that sign the proxy's "
    + "certificate (with --tls)")
  String ca;

  @Option(names = "--format", paramLabel = "same|jpeg|png",
    description = "the results' format: the source's (JPEG stays JPEG, every other format becomes PNG), JPEG or PNG "
      + "(default: same)")
  String format;

  @Option(names = "--quality", paramLabel = "N",
    description = "JPEG quality of the results, 1..100 (default: the backend's, 90 unless configured)")
  Integer quality;

  @Mixin
  CommonOptions common;

  @Override
  public CommonOptions common() {
    return common;
  }

  @Spec
  CommandSpec spec;

  @Override
  public JsonObject deploymentConfig() {
    if (Files.exists(input) && !Files.isDirectory(input)) {
      throw new ParameterException(spec.commandLine(), "--input: " + input + " is a file, not a folder");
    }
    if (!Files.isDirectory(input)) {
      throw new ParameterException(spec.commandLine(), "--input: no such folder: " + input);
    }
    JsonObject client = new JsonObject()
      .put("proxy", proxy).put("input", input.toString()).put("output", output)
      .put("width", width).put("height", height).put("mode", mode)
      .put("minConns", minConns).put("maxConns", maxConns == null ? minConns : maxConns)
      .put("times", times).put("dryRun", dryRun);
    if (window != null) {
      client.put("window", window);
    }
    if (report != null) {
      client.put("report", report);
    }
    if (histogram != null) {
      client.put("histogram", histogram);
    }
    if (retries != null) {
      client.put("retries", retries);
    }
    if (reconnectTimeoutSeconds != null) {
      client.put("reconnectTimeoutMillis", (int) Math.min(Integer.MAX_VALUE, reconnectTimeoutSeconds * 1000L));
    }
    if (eventLoops != null) {
      client.put("eventLoops", eventLoops);
    }
    if (ca != null && !tls) {
      throw new ParameterException(spec.commandLine(), "--ca: give --tls too");
    }
    if (tls) {
      client.put("tls", ca == null ? new JsonObject() : new JsonObject().put("ca", ca));
    }
    if (format != null) {
      client.put("format", format);
    }
    if (quality != null) {
      client.put("quality", quality);
    }
    return common.toConfig().put("verticles", new JsonObject()
      .put("client", new JsonObject().put("verticle", VerticleKind.CLIENT.configName()).put("config", client)));
  }
}
