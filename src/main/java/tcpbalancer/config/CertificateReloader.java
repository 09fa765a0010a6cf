package tcpbalancer.config;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileProps;
import io.vertx.core.net.NetServer;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a server's certificates when their files change, without a restart: Vert.x has no file watcher, so
 * every {@code reloadIntervalMillis} it reads the files' modification times and sizes (asynchronously). A
 * change is checked first ({@link CertificateCheck}, on a worker); a broken new certificate is refused with a
 * log line and the one in use stays. One reloader runs per server name whatever the number of instances, and
 * updates each instance's server (instances that share a port share one server, which Vert.x updates for each).
 */
public final class CertificateReloader {

  private static final Logger log = LoggerFactory.getLogger(CertificateReloader.class);

  private final Vertx vertx;
  private final String name;
  private final TlsServerOptions tls;
  /** The instances' servers; guarded by the registry. */
  private final List<NetServer> servers = new ArrayList<>();
  private long timer = -1;
  /** The files' times and sizes last seen; null until first read. */
  private List<String> seen;

  private CertificateReloader(Vertx vertx, String name, TlsServerOptions tls) {
    this.vertx = vertx;
    this.name = name;
    this.tls = tls;
  }

  /** Watches {@code tls}'s files for the server {@code name}; each call needs a {@link #release} with the server. */
  public static void watch(Vertx vertx, String name, TlsServerOptions tls, NetServer server) {
    if (tls.reloadIntervalMillis() > 0) {
      Registry.of(vertx).acquire(vertx, name, tls, server);
    }
  }

  public static void release(Vertx vertx, String name, NetServer server) {
    Registry.of(vertx).release(name, server);
  }

  private void start() {
    stamps().onSuccess(now -> seen = now);
    timer = vertx.setPeriodic(tls.reloadIntervalMillis(), id -> checkFiles());
  }

  private void stop() {
    vertx.cancelTimer(timer);
  }

  private void checkFiles() {
    stamps().onComplete(read -> {
      if (read.failed()) {
        if (seen != null) { // one line per disappearance, not one per interval
          log.warn("{}: cannot read the certificate files, keeping the certificates in use: {}", name,
            read.cause().getMessage());
        }
        seen = null;
        return;
      }
      if (read.result().equals(seen)) {
        return;
      }
      seen = read.result(); // tried once per change: a broken file is reported once, not every interval
      reload();
    });
  }

  private void reload() {
    vertx.executeBlocking(() -> CertificateCheck.verify(vertx, tls))
      .compose(described -> {
        List<Future<Boolean>> updates = new ArrayList<>();
        Registry.of(vertx).servers(name).forEach(server -> updates.add(server.updateSSLOptions(tls.sslOptions(), true)));
        return Future.all(updates).map(described);
      })
      .onSuccess(described -> log.info("{}: reloaded the changed certificates: {}", name,
        String.join(", ", described)))
      .onFailure(e -> log.warn("{}: refusing the changed certificates, keeping the ones in use: {}", name,
        e.getMessage()));
  }

  /** Each file's modification time and size, in the order of {@link TlsServerOptions#files()}. */
  private Future<List<String>> stamps() {
    List<Future<FileProps>> props = new ArrayList<>();
    tls.files().forEach(file -> props.add(vertx.fileSystem().props(file)));
    return Future.all(props).map(all -> {
      List<String> stamps = new ArrayList<>();
      for (int i = 0; i < props.size(); i++) {
        FileProps file = all.resultAt(i);
        stamps.add(file.lastModifiedTime() + "/" + file.size());
      }
      return stamps;
    });
  }

  /** The reloaders of one Vert.x, by server name. */
  private static final class Registry implements Shareable {

    private final Map<String, CertificateReloader> reloaders = new HashMap<>();

    static Registry of(Vertx vertx) {
      return vertx.sharedData().<String, Registry>getLocalMap("tcpbalancer.tls.reloaders")
        .computeIfAbsent("registry", key -> new Registry());
    }

    synchronized void acquire(Vertx vertx, String name, TlsServerOptions tls, NetServer server) {
      CertificateReloader reloader = reloaders.computeIfAbsent(name, n -> {
        CertificateReloader created = new CertificateReloader(vertx, n, tls);
        created.start();
        return created;
      });
      reloader.servers.add(server);
    }

    synchronized List<NetServer> servers(String name) {
      CertificateReloader reloader = reloaders.get(name);
      return reloader == null ? List.of() : List.copyOf(reloader.servers);
    }

    synchronized void release(String name, NetServer server) {
      CertificateReloader reloader = reloaders.get(name);
      if (reloader != null && reloader.servers.remove(server) && reloader.servers.isEmpty()) {
        reloaders.remove(name);
        reloader.stop();
      }
    }
  }
}
