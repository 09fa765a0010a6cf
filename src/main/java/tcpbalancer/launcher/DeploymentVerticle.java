package tcpbalancer.launcher;

import io.vertx.config.ConfigRetriever;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigUpdates;

/**
 * The launcher's main verticle: reads the deployment config and deploys every verticle it lists, in order.
 * Either all of them start or none stays deployed: on the first failure the ones already started are
 * undeployed and the failure names the verticle that did not start.
 *
 * <p>While it runs, a changed config file is read again: each verticle whose config changed is told on the
 * event bus ({@link ConfigUpdates}); those that can apply a change live do (the proxy's upstream list).
 */
public class DeploymentVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(DeploymentVerticle.class);

  private final ConfigSource source;
  /** Deployment id of each started entry, by entry id. */
  private final Map<String, String> deploymentIds = new HashMap<>();
  private DeploymentPlan current;
  private ConfigRetriever retriever;

  public DeploymentVerticle(ConfigSource source) {
    this.source = source;
  }

  @Override
  public Future<?> start() {
    try {
      DeploymentPlan.checkTopLevelKeys(source.base());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    retriever = source.retriever(vertx);
    return retriever.getConfig()
      .recover(e -> Future.failedFuture(new ConfigException("cannot read " + source.describe() + ": " + e.getMessage())))
      .map(DeploymentPlan::parse)
      .compose(this::deployAll)
      .onSuccess(v -> retriever.listen(change -> publishChanges(change.getNewConfiguration())));
  }

  private void publishChanges(JsonObject newConfig) {
    DeploymentPlan next;
    try {
      next = DeploymentPlan.parse(newConfig);
    } catch (ConfigException e) {
      log.warn("Ignoring the changed {}: {}", source.describe(), e.getMessage());
      return;
    }
    for (DeploymentPlan.Entry entry : next.entries()) {
      String deploymentId = deploymentIds.get(entry.id());
      DeploymentPlan.Entry before = current.entry(entry.id());
      if (deploymentId == null || before == null) {
        log.warn("{} changed: {} is new; restart to deploy it", source.describe(), entry.id());
      } else if (!before.config().equals(entry.config())) {
        log.info("{} changed: telling {} its new config", source.describe(), entry.id());
        vertx.eventBus().publish(ConfigUpdates.ADDRESS, ConfigUpdates.message(deploymentId, entry.config()));
      }
    }
    current = next;
  }

  @Override
  public Future<?> stop() {
    if (retriever != null) {
      retriever.close();
    }
    return Future.succeededFuture();
  }

  private Future<Void> deployAll(DeploymentPlan plan) {
    current = plan;
    Future<Void> chain = Future.succeededFuture();
    for (DeploymentPlan.Entry entry : plan.entries()) {
      chain = chain.compose(v -> deploy(entry));
    }
    return chain.recover(failure -> undeployAll().transform(ignored -> Future.failedFuture(failure)));
  }

  private Future<Void> deploy(DeploymentPlan.Entry entry) {
    return vertx.deployVerticle(entry.kind().factory(), entry.deploymentOptions())
      .map(id -> {
        deploymentIds.put(entry.id(), id);
        log.debug("Deployed {} ({} x {}, {})", entry.id(), entry.instances(), entry.kind().configName(),
          entry.threadingModel());
        return (Void) null;
      })
      .recover(e -> Future.failedFuture(new DeploymentException(entry.id() + " (" + entry.kind().configName()
        + ") did not start: " + e.getMessage(), e)));
  }

  private Future<Void> undeployAll() {
    List<Future<Void>> undeployments = new ArrayList<>();
    for (String id : deploymentIds.values()) {
      undeployments.add(vertx.undeploy(id));
    }
    deploymentIds.clear();
    return Future.join(undeployments).mapEmpty();
  }

  /** A verticle of the plan that did not start. */
  public static class DeploymentException extends RuntimeException {
    DeploymentException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
