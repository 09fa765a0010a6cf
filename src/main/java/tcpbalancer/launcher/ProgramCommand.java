package tcpbalancer.launcher;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** A program's subcommand: parsed by picocli, it builds the deployment config its flags stand for and launches it. */
interface ProgramCommand extends Callable<Integer> {

  /** The flags every program has (log level, profiling, cluster). */
  CommonOptions common();

  /** The deployment config these flags stand for. */
  JsonObject deploymentConfig();

  @Override
  default Integer call() {
    return TcpBalancerCommand.launch(this, getClass().getAnnotation(Command.class).name());
  }
}
