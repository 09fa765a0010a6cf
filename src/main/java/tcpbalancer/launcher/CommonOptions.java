package tcpbalancer.launcher;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Option;

/** Flags every program has, as in the original. */
final class CommonOptions {

  @Option(names = "--loglevel", paramLabel = "0|1", defaultValue = "0",
    description = "0 quiet, 1 verbose (default: ${DEFAULT-VALUE})")
  int loglevel;

  @Option(names = "--debug", description = "record a Java Flight Recorder profile, written at exit")
  boolean debug;

  @Option(names = "--help", usageHelp = true, description = "show this help and exit")
  boolean help;

  /** The top-level keys of a deployment config that these flags set. */
  JsonObject toConfig() {
    return new JsonObject().put("loglevel", loglevel).put("debug", debug);
  }
}
