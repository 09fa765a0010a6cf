package tcpbalancer.admin;

import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.util.function.Supplier;

/**
 * Readiness procedures for {@code /ready}, in the form vertx-health-check registers: each says why its server is
 * not ready to take traffic, or nothing when it is. A procedure that is not ready answers {@code DOWN} with
 * {@code {"reason": "..."}}, which {@code /ready} shows under the procedure's name.
 */
public final class Readiness {

  private Readiness() {
  }

  /** A procedure that asks {@code problem}: null when ready, else why not. */
  public static Handler<Promise<Status>> check(Supplier<String> problem) {
    return promise -> promise.complete(status(problem.get()));
  }

  /** {@code UP} for null, else {@code DOWN} with {@code reason}. */
  public static Status status(String reason) {
    return reason == null ? Status.OK() : Status.KO(new JsonObject().put("reason", reason));
  }
}
