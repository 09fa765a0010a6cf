package tcpbalancer.config;

import io.vertx.core.json.JsonObject;

/**
 * How a new config reaches running verticles: when the deployment file changes, the launcher publishes each
 * changed verticle's config on the local event bus at {@link #ADDRESS}, tagged with the verticle's deployment
 * id. A verticle that can apply changes live listens and picks out its own.
 */
public final class ConfigUpdates {

  public static final String ADDRESS = "tcpbalancer.config.updates";

  private ConfigUpdates() {
  }

  public static JsonObject message(String deploymentId, JsonObject config) {
    return new JsonObject().put("deploymentId", deploymentId).put("config", config);
  }

  /** The new config if {@code message} is for {@code deploymentId}, else null. */
  public static JsonObject configFor(String deploymentId, JsonObject message) {
    return deploymentId.equals(message.getString("deploymentId")) ? message.getJsonObject("config") : null;
  }
}
