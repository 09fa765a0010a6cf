package tcpbalancer.launcher;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;

/** A program's subcommand: parsed by picocli, it returns the deployment config its flags stand for. */
interface ProgramCommand extends Callable<JsonObject> {

  /** The flags every program has (log level, profiling, cluster). */
  CommonOptions common();
}
