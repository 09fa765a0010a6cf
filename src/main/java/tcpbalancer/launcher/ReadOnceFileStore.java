package tcpbalancer.launcher;

import io.vertx.config.spi.ConfigStore;
import io.vertx.config.spi.ConfigStoreFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * A config file store whose first answer is the content the launcher already read ({@code first}), so that the
 * config it validated and the one that deploys are the same reading; later answers read {@code path} again, to
 * see changes. Registered as a Vert.x Config store type through META-INF/services.
 */
public final class ReadOnceFileStore implements ConfigStore {

  static final String TYPE = "tcpbalancer-file";

  private final Vertx vertx;
  private final String path;
  private JsonObject first;

  private ReadOnceFileStore(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.path = config.getString("path");
    this.first = config.getJsonObject("first");
  }

  @Override
  public synchronized Future<Buffer> get() {
    if (first != null) {
      Buffer content = first.toBuffer();
      first = null;
      return Future.succeededFuture(content);
    }
    return vertx.fileSystem().readFile(path);
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  /** The factory Vert.x Config finds by {@link #TYPE}. */
  public static final class Factory implements ConfigStoreFactory {

    @Override
    public String name() {
      return TYPE;
    }

    @Override
    public ConfigStore create(Vertx vertx, JsonObject configuration) {
      return new ReadOnceFileStore(vertx, configuration);
    }
  }
}
